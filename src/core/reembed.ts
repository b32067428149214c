// Switching the embedder (e.g. local → OpenAI) is explicit: `trajanus reembed` switches the
// database's embedding space with configure_embedding_space(model, dims, force => true) — which
// drops the HNSW index, nulls every vector, retypes the column and recreates the index — then
// re-embeds every chunk through the cache in batches, one transaction per batch. When most of the
// table is re-embedded the HNSW index is set aside meanwhile and built once at the end
// (db/vector-index.ts: a graph insertion per row costs several times a build's share).
//
// Resumable: a run that stopped half-way leaves the new space configured and some chunks without
// a vector; the next run finds the space already set and embeds only the chunks still missing one.
import type { Database } from './db/types.js';
import { toVector } from './db/vector.js';
import { CachedEmbedder } from './embed/cache.js';
import { currentEmbeddingSpace, type EmbeddingSpace } from './embed/space.js';
import type { Embedder } from './embed/types.js';
import { embeddingText } from './chunk.js';
import { withVectorIndexDeferred, worthDeferringVectorIndex } from './db/vector-index.js';

export interface ReembedPlan {
  /** The space the database holds now (null: never configured). */
  from: EmbeddingSpace | null;
  to: EmbeddingSpace;
  /** Every chunk in the knowledge base. */
  chunks: number;
  /** Chunks that will be (re-)embedded: all of them when the space changes, else those without a vector. */
  pending: number;
  /** The space changes (vectors are dropped and the column retyped). */
  switching: boolean;
}

export interface ReembedProgress {
  done: number;
  total: number;
  embedded: number;
  cacheHits: number;
}

export interface ReembedSummary extends ReembedPlan {
  reembedded: number;
  /** Texts the model embedded (cache misses). */
  embedded: number;
  cache_hits: number;
  batches: number;
  durationMs: number;
}

export interface ReembedOptions {
  /** Chunks embedded and written per transaction (default 128). */
  batchSize?: number;
  onProgress?: (p: ReembedProgress) => void;
}

export async function planReembed(db: Database, embedder: Pick<Embedder, 'id' | 'dimensions'>): Promise<ReembedPlan> {
  const from = await currentEmbeddingSpace(db);
  const to = { model: embedder.id, dimensions: embedder.dimensions };
  const switching = !from || from.model !== to.model || from.dimensions !== to.dimensions;
  const r = await db.query<{ chunks: number; pending: number }>(
    `SELECT count(*)::int AS chunks, count(*) FILTER (WHERE embedding IS NULL OR embedding_model IS DISTINCT FROM $1)::int AS pending FROM chunks`,
    [to.model],
  );
  const { chunks, pending } = r.rows[0];
  return { from, to, chunks, pending: switching ? chunks : pending, switching };
}

export async function reembed(db: Database, embedder: Embedder | CachedEmbedder, opts: ReembedOptions = {}): Promise<ReembedSummary> {
  const started = Date.now();
  const cached = CachedEmbedder.wrap(db, embedder);
  const batchSize = Math.max(1, opts.batchSize ?? 128);
  const plan = await planReembed(db, cached);
  // Drops the index, nulls the vectors, retypes the column, records the space, recreates the index.
  // A no-op when the space is already this embedder's (a resumed run).
  await db.query('SELECT configure_embedding_space($1, $2, true)', [plan.to.model, plan.to.dimensions]);

  const total = (
    await db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks WHERE embedding IS NULL OR embedding_model IS DISTINCT FROM $1', [
      plan.to.model,
    ])
  ).rows[0].n;
  const summary: ReembedSummary = { ...plan, pending: total, reembedded: 0, embedded: 0, cache_hits: 0, batches: 0, durationMs: 0 };
  opts.onProgress?.({ done: 0, total, embedded: 0, cacheHits: 0 });
  const fill = () => fillVectors(db, cached, plan.to, batchSize, total, summary, opts);
  // Most of the table gets a new vector: one index build after costs less than a graph insertion per row.
  if (worthDeferringVectorIndex(total, plan.chunks)) await withVectorIndexDeferred(db, fill);
  else await fill();
  summary.durationMs = Date.now() - started;
  return summary;
}

async function fillVectors(
  db: Database,
  cached: CachedEmbedder,
  to: EmbeddingSpace,
  batchSize: number,
  total: number,
  summary: ReembedSummary,
  opts: ReembedOptions,
): Promise<void> {
  // Keyset pagination over ids: each batch is read, embedded, then written in one transaction.
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch = await db.query<{ id: string; context: string; content: string }>(
      `SELECT id, context, content FROM chunks
       WHERE (embedding IS NULL OR embedding_model IS DISTINCT FROM $1) AND id > $2::uuid
       ORDER BY id LIMIT $3`,
      [to.model, after, batchSize],
    );
    if (!batch.rows.length) break;
    after = batch.rows[batch.rows.length - 1].id;
    const res = await cached.embedMany(batch.rows.map(embeddingText));
    for (const v of res.vectors)
      if (v.length !== to.dimensions) throw new Error(`${to.model} returned a vector of ${v.length} dimensions, expected ${to.dimensions}`);
    await db.transaction(async (tx) => {
      await tx.query(
        `UPDATE chunks c SET embedding = u.e::vector, embedding_model = $1
         FROM unnest($2::uuid[], $3::text[]) AS u(id, e) WHERE c.id = u.id`,
        [to.model, batch.rows.map((r) => r.id), res.vectors.map(toVector)],
      );
    });
    summary.batches++;
    summary.reembedded += batch.rows.length;
    summary.embedded += res.misses;
    summary.cache_hits += res.hits;
    opts.onProgress?.({ done: summary.reembedded, total, embedded: summary.embedded, cacheHits: summary.cache_hits });
  }
}
