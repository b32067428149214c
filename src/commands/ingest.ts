// `trajanus ingest [folder] [--drive] [--full] [--dry-run] [--json]`: runs the ingest pipeline
// once over the knowledge folder (default KNOWLEDGE_DIR) or Google Drive, with progress on stderr
// (also with --json) and a summary at the end naming each skipped and failed file. Exit codes:
// 0 done, 4 done but some files failed, 1 the run could not proceed (missing folder, Drive listing
// error, database error), 2 bad usage or another folder indexed, 3 another ingest of the source is
// running (the bot's drive-reingest job, say), 130/143 stopped by Ctrl-C/SIGTERM (what was indexed
// is kept; the next run resumes).
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { createServices, ingestDeps } from '../core/services.js';
import { ingest, IngestBusyError, IngestInterruptedError, type IngestProgress, type IngestSummary } from '../core/ingest/index.js';
import { ingestFolder } from '../core/ingest/folder.js';
import { FolderSource } from '../core/sources/folder.js';
import { FolderMismatchError } from '../core/sources/folder-root.js';
import { loadDriveSource } from '../core/sources/drive-loader.js';
import type { DocumentSource } from '../core/sources/types.js';

const USAGE = `trajanus ingest [folder] [--drive] [--full] [--dry-run] [--replace] [--json]

  folder      local folder to ingest (default: KNOWLEDGE_DIR, skipping INGEST_IGNORE globs)
  --drive     ingest the configured Google Drive folders / shared drives instead
  --full      ignore the stored change cursor: list everything and delete what is gone
  --dry-run   report what would be added, changed and deleted; write nothing
  --replace   ingest a different folder than the one indexed, replacing its documents
  --json      print one JSON object with the summary on stdout (progress lines stay on stderr)

  Exit codes: 0 done; 4 done, but some files failed (named in the summary); 1 the run could not
  proceed; 2 bad usage, or another folder is indexed; 3 another ingest of the same source is
  running (e.g. the bot's drive-reingest job); 130 / 143 stopped by Ctrl-C / SIGTERM (what was
  indexed is kept, and the next run resumes).`;

/** Exit code of a run that finished with failed files: distinct from 1, a run that could not proceed. */
export const EXIT_FILES_FAILED = 4;
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

type Reporter = { update(p: IngestProgress): void; stop(): void };

/** A cli-progress bar on a TTY (not with --json, whose reader wants plain lines), else a line per 10% of the files and of a large file. */
function reporter(json: boolean): Reporter {
  if (process.stderr.isTTY && !json) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: '{phase} [{bar}] {value}/{total} files | {chunks} chunks | {hits} cache hits | {errors} errors | {eta_formatted}{file}',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const file = p.file ? ` | ${p.file.title}: ${Math.floor(p.file.fraction * 100)}%, ${p.file.chunks} chunks` : '';
        const payload = { phase: p.phase.padEnd(8), chunks: p.summary.chunks, hits: p.summary.cache_hits, errors: p.summary.failed, file };
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
  const fileDeciles = new Map<string, number>();
  return {
    update(p) {
      if (p.file) {
        const d = Math.floor(p.file.fraction * 10);
        if (fileDeciles.get(p.file.title) === d) return;
        fileDeciles.set(p.file.title, d);
        process.stderr.write(`ingest: ${p.file.title}: ${d * 10}% read, ${p.file.chunks} chunks embedded\n`);
        return;
      }
      if (p.phase !== 'files' || !p.total) return;
      const decile = Math.floor((p.done / p.total) * 10);
      if (decile === lastDecile) return;
      lastDecile = decile;
      const s = p.summary;
      process.stderr.write(
        `ingest: ${p.done}/${p.total} files (${decile * 10}%), ${s.chunks} chunks, ${s.cache_hits} cache hits, ${s.failed} errors\n`,
      );
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
  if (s.resumed) lines.push(`  resumed ${s.resumed} chunks from an interrupted run`);
  if (s.errors.length) {
    lines.push('  failed:');
    for (const e of s.errors) lines.push(`    ${e.fileId}: ${e.error}`);
  }
  if (s.warnings?.length) {
    lines.push('  indexed in part:');
    for (const w of s.warnings) lines.push(`    ${w.fileId}: ${w.warning}`);
  }
  if (s.skips.length) {
    lines.push('  skipped:');
    for (const k of s.skips) lines.push(`    ${k.fileId}: ${k.reason}`);
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
    // The first Ctrl-C (or SIGTERM) stops between files or batches, records the run as
    // interrupted and exits; a second one exits at once (what is committed stays either way).
    const stop = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (stop.signal.aborted) process.exit(SIGNAL_EXIT[sig] ?? 1);
      progress.stop();
      process.stderr.write(`trajanus ingest: ${sig}: stopping after the current batch (again to quit at once)\n`);
      stop.abort(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const opts = {
        dryRun: values['dry-run'],
        full: values.full,
        signal: stop.signal,
        onProgress: (p: IngestProgress) => progress.update(p),
      };
      const summary =
        source instanceof FolderSource
          ? await ingestFolder(ingestDeps(services), source, { ...opts, replace: values.replace })
          : await ingest(ingestDeps(services), source, opts);
      progress.stop();
      if (values.json) {
        const {
          source: src,
          mode,
          files,
          added,
          changed,
          unchanged,
          deleted,
          failed,
          skipped,
          chunks,
          embedded,
          cache_hits,
          resumed,
          errors,
          skips,
          warnings,
          plan,
          durationMs,
        } = summary;
        process.stdout.write(
          `${JSON.stringify({ source: src, mode, files, added, changed, unchanged, deleted, failed, skipped, chunks, embedded, cache_hits, resumed, errors, skips, warnings, ...(plan ? { plan } : {}), durationMs })}\n`,
        );
      } else console.log(formatSummary(summary));
      return summary.failed ? EXIT_FILES_FAILED : 0;
    } catch (e) {
      progress.stop();
      if (e instanceof FolderMismatchError) {
        console.error(`trajanus ingest: ${e.message}`);
        return 2;
      }
      if (e instanceof IngestInterruptedError) {
        console.error(`trajanus ingest: ${e.message}\n${formatSummary(e.summary)}`);
        return SIGNAL_EXIT[e.reason] ?? 1;
      }
      if (!(e instanceof IngestBusyError)) throw e;
      console.error(`trajanus ingest: ${e.message}`);
      return 3;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      progress.stop();
      await services.close();
    }
  },
};
export default command;
