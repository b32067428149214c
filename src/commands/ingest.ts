// `trajanus ingest [folder] [--drive] [--full] [--dry-run] [--json]`: runs the ingest pipeline
// once over the knowledge folder (default KNOWLEDGE_DIR) or Google Drive, with a progress bar on
// stderr and a summary at the end. Failed files are reported, not fatal (exit 0); a run that
// cannot proceed (missing folder, Drive listing error, database error) exits non-zero; exit 3
// when another ingest of the same source is running (the bot's drive-reingest job, say).
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { createServices, ingestDeps } from '../core/services.js';
import { ingest, IngestBusyError, type IngestProgress, type IngestSummary } from '../core/ingest/index.js';
import { FolderSource } from '../core/sources/folder.js';
import { assertFolderRoot, FolderMismatchError, recordFolderRoot } from '../core/sources/folder-root.js';
import { loadDriveSource } from '../core/sources/drive-loader.js';
import type { DocumentSource } from '../core/sources/types.js';

const USAGE = `trajanus ingest [folder] [--drive] [--full] [--dry-run] [--replace] [--json]

  folder      local folder to ingest (default: KNOWLEDGE_DIR, skipping INGEST_IGNORE globs)
  --drive     ingest the configured Google Drive folders / shared drives instead
  --full      ignore the stored change cursor: list everything and delete what is gone
  --dry-run   report what would be added, changed and deleted; write nothing
  --replace   ingest a different folder than the one indexed, replacing its documents
  --json      print one JSON object with the summary on stdout (no progress bar)

  Exits 3 when another ingest of the same source is running (e.g. the bot's drive-reingest job).`;

type Reporter = { update(p: IngestProgress): void; stop(): void };

/** A cli-progress bar on a TTY, a line per 10% otherwise, nothing with --json. */
function reporter(json: boolean): Reporter {
  if (json) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: '{phase} [{bar}] {value}/{total} files | {chunks} chunks | {hits} cache hits | {errors} errors | {eta_formatted}',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const payload = { phase: p.phase.padEnd(8), chunks: p.summary.chunks, hits: p.summary.cache_hits, errors: p.summary.failed };
        if (!started) {
          bar.start(Math.max(p.total, 0), p.done, payload);
          started = true;
        }
        if (p.total !== bar.getTotal()) bar.setTotal(p.total);
        bar.update(p.done, payload);
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let lastDecile = -1;
  return {
    update(p) {
      if (p.phase !== 'files' || !p.total) return;
      const decile = Math.floor((p.done / p.total) * 10);
      if (decile === lastDecile) return;
      lastDecile = decile;
      const s = p.summary;
      process.stderr.write(`ingest: ${p.done}/${p.total} files (${decile * 10}%), ${s.chunks} chunks, ${s.cache_hits} cache hits, ${s.failed} errors\n`);
    },
    stop() {},
  };
}

export function formatSummary(s: IngestSummary): string {
  const lines = [
    `${s.mode === 'dry-run' ? 'Dry run (nothing written)' : `Ingest (${s.mode})`} of ${s.source}: ${s.files} files in ${(s.durationMs / 1000).toFixed(1)} s`,
    `  added ${s.added}, changed ${s.changed}, unchanged ${s.unchanged}, deleted ${s.deleted}, failed ${s.failed}, skipped ${s.skipped}`,
    `  chunks ${s.chunks}, embedded ${s.embedded}, cache hits ${s.cache_hits}`,
  ];
  if (s.plan?.length) {
    lines.push('  would:');
    for (const p of s.plan) lines.push(`    ${p.action.padEnd(6)} ${p.fileId}${p.title ? `  (${p.title})` : ''}`);
  }
  if (s.errors.length) {
    lines.push('  errors:');
    for (const e of s.errors) lines.push(`    ${e.fileId}: ${e.error}`);
  }
  if (s.warnings?.length) {
    lines.push('  indexed in part:');
    for (const w of s.warnings) lines.push(`    ${w.fileId}: ${w.warning}`);
  }
  return lines.join('\n');
}

const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        drive: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        replace: { type: 'boolean', default: false },
      },
    });
    if (positionals.length > 1) {
      console.error(`trajanus ingest: one folder at most\n\n${USAGE}`);
      return 2;
    }
    if (values.drive && positionals.length) {
      console.error('trajanus ingest: give a folder or --drive, not both');
      return 2;
    }
    const config = loadConfig();
    const source: DocumentSource = values.drive
      ? await loadDriveSource(config)
      : new FolderSource(positionals[0] ?? config.KNOWLEDGE_DIR, config.INGEST_IGNORE);
    const services = await createServices(config);
    const progress = reporter(values.json);
    try {
      if (source instanceof FolderSource) {
        await source.assertExists();
        await assertFolderRoot(services.db, source.root, values.replace);
      }
      const summary = await ingest(
        ingestDeps(services),
        source,
        { dryRun: values['dry-run'], full: values.full, onProgress: (p) => progress.update(p) },
      );
      progress.stop();
      if (source instanceof FolderSource && !values['dry-run']) await recordFolderRoot(services.db, source.root);
      if (values.json) {
        const { source: src, mode, files, added, changed, unchanged, deleted, failed, skipped, chunks, embedded, cache_hits, errors, warnings, plan, durationMs } = summary;
        process.stdout.write(
          `${JSON.stringify({ source: src, mode, files, added, changed, unchanged, deleted, failed, skipped, chunks, embedded, cache_hits, errors, warnings, ...(plan ? { plan } : {}), durationMs })}\n`,
        );
      } else console.log(formatSummary(summary));
      return 0;
    } catch (e) {
      if (e instanceof FolderMismatchError) {
        console.error(`trajanus ingest: ${e.message}`);
        return 2;
      }
      if (!(e instanceof IngestBusyError)) throw e;
      progress.stop();
      console.error(`trajanus ingest: ${e.message}`);
      return 3;
    } finally {
      progress.stop();
      await services.close();
    }
  },
};
export default command;
