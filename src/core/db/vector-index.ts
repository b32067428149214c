// The HNSW index on chunks.embedding, set aside during a large write. Keeping it while rows arrive
// costs each row a graph insertion: measured in PGlite (512 dims), ~13 ms a chunk written one
// statement of 1,000 at a time, against ~2-5 ms a chunk for one CREATE INDEX over the loaded table.
// While the index is away dense search is an exact scan: the same or better results, slower.
// A process that dies before the index is back leaves it missing; ensureVectorIndex (run at every
// start by ensureEmbeddingSpace) builds it again, and `health` warns about it meanwhile.
import type { Queryable } from './types.js';

const INDEX = 'idx_chunks_embedding_hnsw';

export async function dropVectorIndex(db: Queryable): Promise<void> {
  await db.exec(`DROP INDEX IF EXISTS ${INDEX}`);
}

/** Builds the index when it is missing (configure_embedding_space's definition); a no-op when it is there. */
export async function ensureVectorIndex(db: Queryable): Promise<void> {
  const present = await db.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [INDEX]);
  if (present.rows[0].present) return;
  const space = await db.query('SELECT 1 FROM embedding_space');
  if (!space.rows.length) return; // no column type yet: configure_embedding_space creates it
  await db.exec(`CREATE INDEX IF NOT EXISTS ${INDEX} ON chunks USING hnsw (embedding vector_cosine_ops)`);
}

/**
 * Runs `fn` (a write of many chunks) without the HNSW index, and builds it again after, also when
 * `fn` fails: whatever `fn` committed is searched through the index again.
 */
export async function withVectorIndexDeferred<T>(db: Queryable, fn: () => Promise<T>): Promise<T> {
  await dropVectorIndex(db);
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    // The write's own error is the one to report (a lost connection fails the rebuild too).
    await ensureVectorIndex(db).catch(() => {});
    throw e;
  }
  await ensureVectorIndex(db);
  return result;
}

/**
 * Whether writing `incoming` vectors into a table that will then hold `total` is cheaper with the
 * index rebuilt once than kept up row by row: a rebuild costs every row of the table, so it pays
 * only when the write is a good share of it (and large enough for the difference to matter).
 */
export function worthDeferringVectorIndex(incoming: number, total: number): boolean {
  return incoming >= 2_000 && incoming * 4 >= total;
}
