// The ingest pipeline: list → skip unchanged → extract → chunk → embed (cached) → store.
// One bad document is recorded and skipped; the run goes on.
import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Database } from '../db/types.js';
import type { Embedder } from '../embed/types.js';
import { CachedEmbedder } from '../embed/cache.js';
import type { Queryable } from '../db/types.js';
import { chunkDocumentStream, defaultChunkOptions, embeddingText, type ChunkAt, type ChunkInput, type ChunkOptions } from '../chunk.js';
import { ExtractError, extractText, formatOf, isSupported } from '../extract/index.js';
import { isIncremental, SourceFileError, type DocumentSource, type SourceChange, type SourceFile } from '../sources/types.js';
import {
  deleteDocuments,
  existingDocuments,
  findDocument,
  stageChunks,
  stagedChunks,
  switchStagedDocument,
  updateDocumentMetadata,
  writeDocument,
  type StoredDocument,
} from './store.js';
import { getSyncState, setSyncState } from '../sync-state.js';
import { readRevision } from '../revisions/mark.js';
import type { OcrSettings } from '../ocr/settings.js';
import { isConnectionLost } from '../db/connection.js';
import { syncDocumentAccess } from '../access/store.js';
import { closeAbandonedRuns, finishRun, ingestLockName, startRun } from './runs.js';
import { emptySummary, IngestBusyError, IngestInterruptedError, type IngestProgress, type IngestSummary } from './types.js';
import { isGroupDirectory, refreshGroups } from '../access/groups.js';

export type { IngestSummary, IngestProgress } from './types.js';
export { IngestBusyError, IngestInterruptedError } from './types.js';

export interface IngestDeps {
  db: Database;
  embedder: Embedder | CachedEmbedder;
  logger?: Logger;
  chunkTokens?: number;
  chunkOverlap?: number;
  /** OCR of scanned pages and images (default DEFAULT_OCR). */
  ocr?: OcrSettings;
  /** Largest file read, in MB, per type (text, html, pdf, docx, other): INGEST_MAX_FILE_MB. */
  maxFileMb?: Partial<Record<string, number>>;
}

export interface IngestOptions {
  dryRun?: boolean;
  /** Ignore a stored change cursor and list everything (also deletes what the listing lacks). */
  full?: boolean;
  onProgress?: (p: IngestProgress) => void;
  /** Files fetched and extracted at once. */
  concurrency?: number;
  /** Stops the run between files and between a large file's batches; it then throws IngestInterruptedError. */
  signal?: AbortSignal;
  /** Holding the lock, before anything is written (not in a dry run): claim what the run is for (the folder). */
  begin?: (db: Queryable) => Promise<void>;
  /** Holding the lock, after the run completed (listing and deletions done; not in a dry run). */
  complete?: (db: Queryable, summary: IngestSummary) => Promise<void>;
}

/** Chunks embedded and committed together; a document of more than one batch is staged (see store.ts). */
export const BATCH_CHUNKS = 64;

const CURSOR_KEY = 'changes_cursor';
const LAST_FULL_SYNC_KEY = 'last_full_sync';

/**
 * One ingest of a source at a time, across processes (the CLI while the bot's job runs, two
 * replicas at start): two runs would race on the cursor and write the same documents twice.
 * A second run is refused at once with IngestBusyError rather than queued behind the first.
 */
export async function ingest(deps: IngestDeps, source: DocumentSource, opts: IngestOptions = {}): Promise<IngestSummary> {
  const locked = await deps.db.withAdvisoryLock(
    ingestLockName(source.name),
    (session) => ingestUnlocked(deps, source, opts, session.signal),
    { wait: false },
  );
  if (!locked.acquired) throw new IngestBusyError(source.name);
  return locked.result;
}

/** `lockLost`: aborted when the connection holding the source's lock is gone; the run stops at the next file. */
async function ingestUnlocked(
  deps: IngestDeps,
  source: DocumentSource,
  opts: IngestOptions,
  lockLost: AbortSignal,
): Promise<IngestSummary> {
  const started = Date.now();
  const cached = CachedEmbedder.wrap(deps.db, deps.embedder);
  const chunkOpts = defaultChunkOptions(cached.embedder.maxInputTokens, { tokens: deps.chunkTokens, overlap: deps.chunkOverlap });
  const summary = emptySummary(source.name, opts.dryRun ? 'dry-run' : 'full');
  let run: string | undefined;
  if (!opts.dryRun) {
    const abandoned = await closeAbandonedRuns(deps.db, source.name);
    if (abandoned)
      deps.logger?.warn(
        { source: source.name, runs: abandoned },
        'an earlier ingest was abandoned (its process ended during the run): resuming',
      );
    await opts.begin?.(deps.db);
    run = await startRun(deps.db, source.name);
  }
  const progress: Progress = (phase, done, total, current, file) => opts.onProgress?.({ phase, done, total, current, file, summary });

  const ctx: FileContext = {
    deps,
    cached,
    chunkOpts,
    summary,
    dryRun: !!opts.dryRun,
    source,
    lockLost,
    signal: opts.signal,
    progress,
    files: { done: 0, total: 0 },
  };
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
    // Channel grants name folders and categories: documents that moved in or out follow them.
    if (!opts.dryRun) await deps.db.query('SELECT refresh_access_grants()');
    if (!opts.dryRun) await opts.complete?.(deps.db, summary);
    // Group members: all of them on a full sync (the daily refresh), new groups on an incremental one.
    if (!opts.dryRun && isGroupDirectory(source))
      summary.groups = await refreshGroups(deps.db, source, { all: !incremental, logger: deps.logger });
    summary.durationMs = Date.now() - started;
    progress('done', summary.files, summary.files);
    if (run) await finishRun(deps.db, run, summary.failed ? 'partial' : 'ok', summary);
    return summary;
  } catch (e) {
    summary.durationMs = Date.now() - started;
    const interrupted = e instanceof IngestInterruptedError;
    if (run) await finishRun(deps.db, run, interrupted ? 'interrupted' : 'failed', summary, (e as Error).message).catch(() => {});
    throw e;
  }
}

type Progress = (phase: IngestProgress['phase'], done: number, total: number, current?: string, file?: IngestProgress['file']) => void;

function checkStop(ctx: Pick<FileContext, 'signal' | 'summary'>) {
  const s = ctx.signal;
  if (s?.aborted) throw new IngestInterruptedError(typeof s.reason === 'string' ? s.reason : 'stop requested', ctx.summary);
}

interface FileContext {
  deps: IngestDeps;
  cached: CachedEmbedder;
  chunkOpts: ChunkOptions;
  summary: IngestSummary;
  dryRun: boolean;
  source: DocumentSource;
  lockLost: AbortSignal;
  signal?: AbortSignal;
  progress: Progress;
  /** Files done and to do, for progress reported from inside a file. */
  files: { done: number; total: number };
}

async function fullSync(ctx: FileContext, opts: IngestOptions, progress: Progress) {
  const { deps, summary } = ctx;
  progress('listing', 0, 0);
  const existing = await existingDocuments(deps.db, ctx.source.name);
  const files: SourceFile[] = [];
  for await (const f of ctx.source.list()) files.push(f);
  summary.files = files.length;
  ctx.files = { done: 0, total: files.length };
  await pool(files, opts.concurrency ?? 4, async (file) => {
    checkStop(ctx);
    await processFile(ctx, file, existing.get(file.fileId));
    progress('files', ++ctx.files.done, files.length, file.title);
  });
  const done = ctx.files.done;
  // Only a listing that completed may delete: a failed list threw above and deletes nothing.
  const listed = new Set(files.map((f) => f.fileId));
  const gone = [...existing.values()].filter((d) => !listed.has(d.file_id));
  progress('deleting', done, files.length);
  if (ctx.dryRun) {
    summary.deleted = gone.length;
    summary.plan?.push(...gone.map((d) => ({ action: 'delete' as const, fileId: d.file_id, title: d.title })));
  } else
    summary.deleted = await deleteDocuments(
      deps.db,
      gone.map((d) => d.file_id),
    );
}

async function applyChanges(ctx: FileContext, changes: SourceChange[], opts: IngestOptions, progress: Progress) {
  const deletes = changes.filter((c): c is Extract<SourceChange, { kind: 'delete' }> => c.kind === 'delete').map((c) => c.fileId);
  const upserts = changes.filter((c): c is Extract<SourceChange, { kind: 'upsert' }> => c.kind === 'upsert').map((c) => c.file);
  ctx.summary.files = upserts.length;
  ctx.files = { done: 0, total: upserts.length };
  await pool(upserts, opts.concurrency ?? 4, async (file) => {
    checkStop(ctx);
    await processFile(ctx, file, await findDocument(ctx.deps.db, file.fileId));
    progress('files', ++ctx.files.done, upserts.length, file.title);
  });
  if (ctx.dryRun) {
    const present = (await Promise.all(deletes.map((id) => findDocument(ctx.deps.db, id)))).filter(Boolean) as StoredDocument[];
    ctx.summary.deleted = present.length;
    ctx.summary.plan?.push(...present.map((d) => ({ action: 'delete' as const, fileId: d.file_id, title: d.title })));
  } else ctx.summary.deleted = await deleteDocuments(ctx.deps.db, deletes);
}

class SkipFile extends Error {}

const MB = 1024 * 1024;

/** Throws SkipFile when `bytes` is over the limit for the file's type. */
function checkSize(ctx: FileContext, file: SourceFile, mimeType: string, bytes: number | undefined) {
  if (bytes === undefined) return;
  const format = formatOf(mimeType, file.path ?? file.title);
  const limit = ctx.deps.maxFileMb?.[format] ?? ctx.deps.maxFileMb?.other;
  if (limit !== undefined && bytes > limit * MB)
    throw new SkipFile(`too large: ${(bytes / MB).toFixed(1)} MB, over the ${limit} MB limit for ${format} files (INGEST_MAX_FILE_MB)`);
}

async function processFile(ctx: FileContext, file: SourceFile, existing: StoredDocument | undefined): Promise<void> {
  const { deps, summary } = ctx;
  if (ctx.dryRun) summary.plan ??= [];
  ctx.lockLost.throwIfAborted();
  try {
    if (!isSupported(file.mimeType, file.path ?? file.title, { ocr: deps.ocr }))
      throw new SkipFile(`unsupported file type ${file.mimeType || '(none)'}`);
    if (existing && file.version && existing.source_version === file.version) {
      summary.unchanged++;
      // Same version, new place (a parent folder renamed or moved within a root): only the listing knows.
      if (!ctx.dryRun && placeChanged(existing, file)) await updateDocumentMetadata(deps.db, file);
      // A sharing change keeps the version: compare the permissions themselves, no fetch, no embedding.
      if (!ctx.dryRun && (await syncDocumentAccess(deps.db, existing.id, file.access))) summary.access_changed++;
      return;
    }
    const listedSize = typeof file.metadata?.size === 'number' ? file.metadata.size : undefined;
    checkSize(ctx, file, file.mimeType, listedSize);
    const fetched = await ctx.source.fetch(file);
    checkSize(ctx, file, fetched.mimeType, fetched.data.length);
    const extracted = await extractText(fetched.data, fetched.mimeType, file.path ?? file.title, {
      ocr: deps.ocr,
      log: (message) => deps.logger?.debug({ fileId: file.fileId }, message),
    });
    const contentHash = createHash('sha256').update(extracted.text).digest('hex');
    const title = extracted.title ?? file.title;
    // Same text and title (a move, a rename that does not show in the title, a sharing change):
    // update what the listing says without touching chunks. A new title is a full rewrite below,
    // because every chunk's context line (and so its embedding text) carries the title.
    if (existing && existing.content_hash === contentHash && existing.title === title) {
      summary.unchanged++;
      if (!ctx.dryRun) {
        await updateDocumentMetadata(deps.db, file);
        if (await syncDocumentAccess(deps.db, existing.id, file.access)) summary.access_changed++;
      }
      return;
    }
    if (ctx.dryRun) {
      summary[existing ? 'changed' : 'added']++;
      summary.plan!.push({ action: existing ? 'change' : 'add', fileId: file.fileId, title });
      return;
    }
    const revision = readRevision(title, extracted.sections?.[0]?.text ?? extracted.text);
    const extraction = extracted.notes?.length ? { notes: extracted.notes } : undefined;
    for (const note of extracted.notes ?? []) {
      summary.warnings.push({ fileId: file.fileId, title, warning: note });
      deps.logger?.warn({ fileId: file.fileId, note }, 'document indexed in part');
    }
    await writeChunks(ctx, file, extracted, {
      source: ctx.source.name,
      file,
      title,
      text: extracted.text,
      contentHash,
      revision,
      extraction,
    });
    summary[existing ? 'changed' : 'added']++;
  } catch (e) {
    if (e instanceof IngestInterruptedError) throw e;
    if (
      e instanceof SkipFile ||
      (e instanceof ExtractError && e.reason === 'unsupported') ||
      (e instanceof SourceFileError && e.reason === 'unsupported')
    ) {
      summary.skipped++;
      summary.skips.push({ fileId: file.fileId, title: file.title, reason: e.message });
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

/** The first `n` items of a generator (fewer at its end). */
function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  while (out.length < n) {
    const r = it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/**
 * Chunks, embeds and stores a document batch by batch, so memory holds one batch whatever the
 * document's size. One batch: written in one transaction. More: each batch is committed to
 * staged_chunks as it is embedded, and the document switches to them in one transaction at the
 * end; a run interrupted half-way resumes after the last committed batch.
 */
async function writeChunks(ctx: FileContext, file: SourceFile, doc: ChunkInput, header: Parameters<typeof switchStagedDocument>[1]) {
  const { deps, summary, cached } = ctx;
  const stream = chunkDocumentStream(doc, header.title, ctx.chunkOpts);
  const first = take(stream, BATCH_CHUNKS + 1);
  const embed = async (batch: ChunkAt[]) => {
    const embedded = await cached.embedMany(batch.map((c) => embeddingText(c.chunk)));
    summary.embedded += embedded.misses;
    summary.cache_hits += embedded.hits;
    return embedded.vectors;
  };
  if (first.length <= BATCH_CHUNKS) {
    const vectors = await embed(first);
    await writeDocument(deps.db, { ...header, chunks: first.map((c) => c.chunk), vectors, model: cached.id });
    summary.chunks += first.length;
    return;
  }
  const versionKey = createHash('sha256')
    .update(JSON.stringify([header.contentHash, header.title, ctx.chunkOpts.maxTokens, ctx.chunkOpts.overlapTokens, cached.id]))
    .digest('hex');
  const already = await stagedChunks(deps.db, file.fileId, versionKey);
  if (already) deps.logger?.info({ fileId: file.fileId, chunks: already }, 'resuming a large document after its committed batches');
  // The chunk peeked at beyond the first batch opens the second one.
  let batch = first.slice(0, BATCH_CHUNKS);
  let carry = first.slice(BATCH_CHUNKS);
  let chunks = 0;
  while (batch.length) {
    checkStop(ctx);
    const fresh = batch.filter((c) => c.chunk.index >= already);
    summary.resumed += batch.length - fresh.length;
    if (fresh.length)
      await stageChunks(
        deps.db,
        file.fileId,
        versionKey,
        cached.id,
        fresh.map((c) => c.chunk),
        await embed(fresh),
      );
    chunks += batch.length;
    const offset = batch[batch.length - 1].offset;
    ctx.progress('files', ctx.files.done, ctx.files.total, header.title, {
      title: header.title,
      fraction: offset / Math.max(1, header.text.length),
      chunks,
    });
    batch = [...carry, ...take(stream, BATCH_CHUNKS - carry.length)];
    carry = [];
  }
  checkStop(ctx);
  summary.chunks += await switchStagedDocument(deps.db, header, versionKey);
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) await fn(items[next++]);
  };
  // Every worker settles before the run ends (an interrupted run must not record itself while
  // another file is still being written); the first error is rethrown.
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(size, items.length) }, () =>
      worker().catch((e) => {
        failed = true; // the other workers stop taking files
        throw e;
      }),
    ),
  );
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** The listing's place of a file differs from the stored row (cheap columns only: no fetch needed). */
function placeChanged(d: StoredDocument, f: SourceFile): boolean {
  return (
    d.file_path !== (f.path ?? null) ||
    d.category !== (f.category ?? null) ||
    d.doc_type !== (f.docType ?? null) ||
    d.url !== (f.url ?? null)
  );
}

const getCursor = (db: Database, source: string) => getSyncState(db, source, CURSOR_KEY);
const setCursor = (db: Database, source: string, value: string) => setSyncState(db, source, CURSOR_KEY, value);

/** When the last non-dry-run full sync of `sourceName` completed, or undefined if none has. */
export async function lastFullSync(db: Database, sourceName: string): Promise<Date | undefined> {
  const value = await getSyncState(db, sourceName, LAST_FULL_SYNC_KEY);
  const d = value ? new Date(value) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}
