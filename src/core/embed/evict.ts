// Keeps embeddings_cache bounded: the policy of the cache-evict job (why this policy: below).
import type { Database } from '../db/types.js';
import { currentEmbeddingSpace } from './space.js';

const num = (v: unknown): number => Number(v ?? 0);

export interface CacheEvictOptions {
  /** Rows not accessed for this many days are deleted, whatever their model. */
  maxAgeDays: number;
  /** Then the cache is trimmed to this many rows. */
  maxRows: number;
  /** Rows per DELETE: short statements keep locks and WAL bursts small on a busy database. */
  batchSize: number;
  /** Trim other models' rows before any row of the current embedding_space model. */
  keepCurrentModel: boolean;
  now?: Date;
}

export interface CacheEvictResult {
  deletedStale: number;
  deletedOverflow: number;
}

/**
 * Why not "keep every row that backs a current chunk": chunks do not store the hash of their
 * embedded text (context + content, as ingest builds it), so telling which cache rows are still
 * live would mean re-hashing every chunk on each run. It is also not worth it: a cache row is only
 * read again when the same text is embedded again, i.e. when its document changes or the database
 * is re-embedded; evicting a live row costs one re-embed of that text then, nothing else.
 * So the policy is by access time and model:
 *   1. delete rows of any model not accessed for maxAgeDays;
 *   2. trim to maxRows, with keepCurrentModel rows of other models first (they are only useful
 *      if someone switches back), then least-recently-used.
 */
export async function cacheEvict(db: Database, opts: CacheEvictOptions): Promise<CacheEvictResult> {
  if (!(opts.batchSize > 0)) throw new Error(`batchSize must be positive, got ${opts.batchSize}`);
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() - opts.maxAgeDays * 86_400_000);

  let deletedStale = 0;
  for (;;) {
    const r = await db.query(
      `DELETE FROM embeddings_cache WHERE id IN (
         SELECT id FROM embeddings_cache WHERE last_accessed < $1 ORDER BY last_accessed LIMIT $2)`,
      [cutoff, opts.batchSize],
    );
    deletedStale += r.rowCount;
    if (r.rowCount < opts.batchSize) break;
  }

  // With keepCurrentModel off (or no space yet) '' matches no model, so the order is plain LRU.
  const current = opts.keepCurrentModel ? ((await currentEmbeddingSpace(db))?.model ?? '') : '';
  const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM embeddings_cache`);
  // Counted once: rows inserted meanwhile are trimmed next run, and the loop cannot chase a writer.
  let excess = num(count.rows[0]?.n) - opts.maxRows;
  let deletedOverflow = 0;
  while (excess > 0) {
    const limit = Math.min(opts.batchSize, excess);
    const r = await db.query(
      `DELETE FROM embeddings_cache WHERE id IN (
         SELECT id FROM embeddings_cache ORDER BY (model = $1), last_accessed, id LIMIT $2)`,
      [current, limit],
    );
    deletedOverflow += r.rowCount;
    excess -= r.rowCount;
    if (r.rowCount < limit) break;
  }
  return { deletedStale, deletedOverflow };
}
