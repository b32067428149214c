// The ingest pipeline: list → skip unchanged → extract → chunk → embed (cached) → store.
// One bad document is recorded and skipped; the run goes on.
import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Database } from '../db/types.js';
import type { Embedder } from '../embed/types.js';
import { CachedEmbedder } from '../embed/cache.js';
import { chunkDocument, defaultChunkOptions, embeddingText, type ChunkOptions } from '../chunk.js';
import { ExtractError, extractText, isSupported } from '../extract/index.js';
import { isIncremental, SourceFileError, type DocumentSource, type SourceChange, type SourceFile } from '../sources/types.js';
import { deleteDocuments, existingDocuments, findDocument, updateDocumentMetadata, writeDocument, type StoredDocument } from './store.js';
import { getSyncState, setSyncState } from '../sync-state.js';
import { readRevision } from '../revisions/mark.js';
import type { OcrSettings } from '../ocr/settings.js';
import { isConnectionLost } from '../db/connection.js';
import { emptySummary, IngestBusyError, type IngestProgress, type IngestSummary } from './types.js';

export type { IngestSummary, IngestProgress } from './types.js';
export { IngestBusyError } from './types.js';

export interface IngestDeps {
  db: Database;
  embedder: Embedder | CachedEmbedder;
  logger?: Logger;
  chunkTokens?: number;
  chunkOverlap?: number;
  /** OCR of scanned pages and images (default DEFAULT_OCR). */
  ocr?: OcrSettings;
}

export interface IngestOptions {
  dryRun?: boolean;
  /** Ignore a stored change cursor and list everything (also deletes what the listing lacks). */
  full?: boolean;
  onProgress?: (p: IngestProgress) => void;
  /** Files fetched and extracted at once. */
  concurrency?: number;
}

const CURSOR_KEY = 'changes_cursor';
const LAST_FULL_SYNC_KEY = 'last_full_sync';

class SkipFile extends Error {}

/**
 * One ingest of a source at a time, across processes (the CLI while the bot's job runs, two
 * replicas at start): two runs would race on the cursor and write the same documents twice.
 * A second run is refused at once with IngestBusyError rather than queued behind the first.
 */
export async function ingest(deps: IngestDeps, source: DocumentSource, opts: IngestOptions = {}): Promise<IngestSummary> {
  const locked = await deps.db.withAdvisoryLock(`ingest:${source.name}`, (session) => ingestUnlocked(deps, source, opts, session.signal), { wait: false });
  if (!locked.acquired) throw new IngestBusyError(source.name);
  return locked.result;
}

/** `lockLost`: aborted when the connection holding the source's lock is gone; the run stops at the next file. */
async function ingestUnlocked(deps: IngestDeps, source: DocumentSource, opts: IngestOptions, lockLost: AbortSignal): Promise<IngestSummary> {
  const started = Date.now();
  const cached = CachedEmbedder.wrap(deps.db, deps.embedder);
  const chunkOpts = defaultChunkOptions(cached.embedder.maxInputTokens, { tokens: deps.chunkTokens, overlap: deps.chunkOverlap });
  const summary = emptySummary(source.name, opts.dryRun ? 'dry-run' : 'full');
  const run = opts.dryRun
    ? undefined
    : (await deps.db.query<{ id: string }>(`INSERT INTO ingest_runs (source, status) VALUES ($1, 'running') RETURNING id`, [source.name])).rows[0].id;
  const progress: Progress = (phase, done, total, current) => opts.onProgress?.({ phase, done, total, current, summary });

  const ctx: FileContext = { deps, cached, chunkOpts, summary, dryRun: !!opts.dryRun, source, lockLost };
  try {
    let incremental = false;
    if (isIncremental(source) && !opts.full) {
      const cursor = await getCursor(deps.db, source.name);
      const changes = cursor ? await source.changesSince(cursor) : null;
      if (changes) {
        incremental = true;
        summary.mode = opts.dryRun ? 'dry-run' : 'incremental';
        await applyChanges(ctx, changes.changes, opts, progress);
        if (!opts.dryRun) await setCursor(deps.db, source.name, changes.nextCursor);
      } else if (cursor) deps.logger?.warn({ source: source.name }, 'change cursor expired or invalid: falling back to a full sync');
    }
    if (!incremental) {
      // Take the cursor before listing so that changes made during the sync are seen next time.
      const cursor = isIncremental(source) ? await source.startCursor() : undefined;
      await fullSync(ctx, opts, progress);
      if (cursor && !opts.dryRun) await setCursor(deps.db, source.name, cursor);
      if (!opts.dryRun) await setSyncState(deps.db, source.name, LAST_FULL_SYNC_KEY, new Date().toISOString());
    }
    summary.durationMs = Date.now() - started;
    progress('done', summary.files, summary.files);
    if (run)
      await deps.db.query(`UPDATE ingest_runs SET finished_at = now(), status = $2, summary = $3::jsonb WHERE id = $1`, [
        run, summary.failed ? 'partial' : 'ok', JSON.stringify(summary),
      ]);
    return summary;
  } catch (e) {
    summary.durationMs = Date.now() - started;
    if (run)
      await deps.db
        .query(`UPDATE ingest_runs SET finished_at = now(), status = 'failed', summary = $2::jsonb, error = $3 WHERE id = $1`, [run, JSON.stringify(summary), (e as Error).message])
        .catch(() => {});
    throw e;
  }
}

type Progress = (phase: IngestProgress['phase'], done: number, total: number, current?: string) => void;

interface FileContext {
  deps: IngestDeps;
  cached: CachedEmbedder;
  chunkOpts: ChunkOptions;
  summary: IngestSummary;
  dryRun: boolean;
  source: DocumentSource;
  lockLost: AbortSignal;
}

async function fullSync(ctx: FileContext, opts: IngestOptions, progress: Progress) {
  const { deps, summary } = ctx;
  progress('listing', 0, 0);
  const existing = await existingDocuments(deps.db, ctx.source.name);
  const files: SourceFile[] = [];
  for await (const f of ctx.source.list()) files.push(f);
  summary.files = files.length;
  let done = 0;
  await pool(files, opts.concurrency ?? 4, async (file) => {
    await processFile(ctx, file, existing.get(file.fileId));
    progress('files', ++done, files.length, file.title);
  });
  // Only a listing that completed may delete: a failed list threw above and deletes nothing.
  const listed = new Set(files.map((f) => f.fileId));
  const gone = [...existing.values()].filter((d) => !listed.has(d.file_id));
  progress('deleting', done, files.length);
  if (ctx.dryRun) {
    summary.deleted = gone.length;
    summary.plan?.push(...gone.map((d) => ({ action: 'delete' as const, fileId: d.file_id, title: d.title })));
  } else summary.deleted = await deleteDocuments(deps.db, gone.map((d) => d.file_id));
}

async function applyChanges(ctx: FileContext, changes: SourceChange[], opts: IngestOptions, progress: Progress) {
  const deletes = changes.filter((c): c is Extract<SourceChange, { kind: 'delete' }> => c.kind === 'delete').map((c) => c.fileId);
  const upserts = changes.filter((c): c is Extract<SourceChange, { kind: 'upsert' }> => c.kind === 'upsert').map((c) => c.file);
  ctx.summary.files = upserts.length;
  let done = 0;
  await pool(upserts, opts.concurrency ?? 4, async (file) => {
    await processFile(ctx, file, await findDocument(ctx.deps.db, file.fileId));
    progress('files', ++done, upserts.length, file.title);
  });
  if (ctx.dryRun) {
    const present = (await Promise.all(deletes.map((id) => findDocument(ctx.deps.db, id)))).filter(Boolean) as StoredDocument[];
    ctx.summary.deleted = present.length;
    ctx.summary.plan?.push(...present.map((d) => ({ action: 'delete' as const, fileId: d.file_id, title: d.title })));
  } else ctx.summary.deleted = await deleteDocuments(ctx.deps.db, deletes);
}

async function processFile(ctx: FileContext, file: SourceFile, existing: StoredDocument | undefined): Promise<void> {
  const { deps, summary } = ctx;
  if (ctx.dryRun) summary.plan ??= [];
  ctx.lockLost.throwIfAborted();
  try {
    if (!isSupported(file.mimeType, file.path ?? file.title, { ocr: deps.ocr })) throw new SkipFile();
    if (existing && file.version && existing.source_version === file.version) {
      summary.unchanged++;
      // Same version, new place (a parent folder renamed or moved within a root): only the listing knows.
      if (!ctx.dryRun && placeChanged(existing, file)) await updateDocumentMetadata(deps.db, file);
      return;
    }
    const fetched = await ctx.source.fetch(file);
    const extracted = await extractText(fetched.data, fetched.mimeType, file.path ?? file.title, { ocr: deps.ocr });
    const contentHash = createHash('sha256').update(extracted.text).digest('hex');
    const title = extracted.title ?? file.title;
    // Same text and title (a move, a rename that does not show in the title, a sharing change):
    // update what the listing says without touching chunks. A new title is a full rewrite below,
    // because every chunk's context line (and so its embedding text) carries the title.
    if (existing && existing.content_hash === contentHash && existing.title === title) {
      summary.unchanged++;
      if (!ctx.dryRun) await updateDocumentMetadata(deps.db, file);
      return;
    }
    if (ctx.dryRun) {
      summary[existing ? 'changed' : 'added']++;
      summary.plan!.push({ action: existing ? 'change' : 'add', fileId: file.fileId, title });
      return;
    }
    const chunks = chunkDocument(extracted, title, ctx.chunkOpts);
    const embedded = await ctx.cached.embedMany(chunks.map(embeddingText));
    const revision = readRevision(title, extracted.sections?.[0]?.text ?? extracted.text);
    const extraction = extracted.notes?.length ? { notes: extracted.notes } : undefined;
    for (const note of extracted.notes ?? []) {
      summary.warnings.push({ fileId: file.fileId, title, warning: note });
      deps.logger?.warn({ fileId: file.fileId, note }, 'document indexed in part');
    }
    await writeDocument(deps.db, { source: ctx.source.name, file, title, text: extracted.text, contentHash, chunks, vectors: embedded.vectors, model: ctx.cached.id, revision, extraction });
    summary[existing ? 'changed' : 'added']++;
    summary.chunks += chunks.length;
    summary.embedded += embedded.misses;
    summary.cache_hits += embedded.hits;
  } catch (e) {
    if (e instanceof SkipFile || (e instanceof ExtractError && e.reason === 'unsupported') || (e instanceof SourceFileError && e.reason === 'unsupported')) {
      summary.skipped++;
      return;
    }
    // A lost database is not this document's fault: the run stops (and the next one resumes) rather
    // than recording every remaining file as failed.
    if (isConnectionLost(e) || ctx.lockLost.aborted) throw ctx.lockLost.aborted ? ctx.lockLost.reason : e;
    summary.failed++;
    const error = e instanceof Error ? e.message : String(e);
    summary.errors.push({ fileId: file.fileId, title: file.title, error });
    deps.logger?.warn({ fileId: file.fileId, err: error }, 'document failed; the run goes on');
  }
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

/** The listing's place of a file differs from the stored row (cheap columns only: no fetch needed). */
function placeChanged(d: StoredDocument, f: SourceFile): boolean {
  return d.file_path !== (f.path ?? null) || d.category !== (f.category ?? null) || d.doc_type !== (f.docType ?? null) || d.url !== (f.url ?? null);
}

const getCursor = (db: Database, source: string) => getSyncState(db, source, CURSOR_KEY);
const setCursor = (db: Database, source: string, value: string) => setSyncState(db, source, CURSOR_KEY, value);

/** When the last non-dry-run full sync of `sourceName` completed, or undefined if none has. */
export async function lastFullSync(db: Database, sourceName: string): Promise<Date | undefined> {
  const value = await getSyncState(db, sourceName, LAST_FULL_SYNC_KEY);
  const d = value ? new Date(value) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}
