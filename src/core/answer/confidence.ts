// Retrieval confidence in [0, 1]: does the best passage cover the question's words (BM25
// coverage, weighted by rarity), and is it close in meaning (cosine similarity)? Both legs
// are needed: a paraphrase has no shared words, an off-topic question has no close passage.
import type { ChunkHit, SearchResult } from '../search/types.js';

/** Cosine similarities below FLOOR are noise for sentence embedders; above CEIL, a clear match. */
const FLOOR = 0.25;
const CEIL = 0.7;

/**
 * Between the not-found threshold and this, an answer says in one line that it may not fully
 * answer the question. Measured on `npm run eval:answers`: right answers of the offline
 * composer sit above it, accidental matches below.
 */
export const HEDGE_BELOW = 0.55;
export const HEDGE_LINE = 'This may not fully answer it; the closest passages are below.';

export function retrievalConfidence(result: Pick<SearchResult, 'chunks'>, coverageOf: (c: ChunkHit) => number = (c) => c.coverage): number {
  let best = 0;
  for (const c of result.chunks.slice(0, 5)) {
    const dense = c.denseScore === undefined ? 0 : Math.min(Math.max((c.denseScore - FLOOR) / (CEIL - FLOOR), 0), 1);
    best = Math.max(best, 0.6 * coverageOf(c) + 0.4 * dense);
  }
  return Math.round(best * 1000) / 1000;
}
