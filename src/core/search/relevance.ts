// A relevance in [0, 1] that means the same whatever the query: how much of the question's BM25
// weight (IDF mass) a passage covers, and how close it is in meaning (cosine similarity, mapped
// from the range where sentence embedders separate noise from a match). The fused `score` is
// scaled to each query's best hit, so a nonsense query's top hit has score 1; its relevance is ~0.
// Answer confidence (answer/confidence.ts) is the best relevance among the top passages.
import type { ChunkHit } from './types.js';

/** Cosine similarities below FLOOR are noise for sentence embedders; above CEIL, a clear match. */
const FLOOR = 0.25;
const CEIL = 0.7;

export function chunkRelevance(c: Pick<ChunkHit, 'coverage' | 'denseScore'>): number {
  const dense = c.denseScore === undefined ? 0 : Math.min(Math.max((c.denseScore - FLOOR) / (CEIL - FLOOR), 0), 1);
  return Math.round((0.6 * c.coverage + 0.4 * dense) * 1000) / 1000;
}
