// Retrieval confidence in [0, 1]: does the best passage cover the question's words (BM25
// coverage, weighted by rarity), and is it close in meaning (cosine similarity)? Both legs
// are needed: a paraphrase has no shared words, an off-topic question has no close passage.
import { chunkRelevance } from '../search/relevance.js';
import type { ChunkHit, SearchResult } from '../search/types.js';

/**
 * Between the not-found threshold and this, an answer says in one line that it may not fully
 * answer the question. Measured on `npm run eval:answers`: right answers of the offline
 * composer sit above it, accidental matches below.
 */
export const HEDGE_BELOW = 0.55;
export const HEDGE_LINE = 'This may not fully answer it; the closest passages are below.';

/** `coverageOf` lets the answer step count coverage by concept (any spelling of it) instead of by the search's spelling. */
export function retrievalConfidence(result: Pick<SearchResult, 'chunks'>, coverageOf: (c: ChunkHit) => number = (c) => c.coverage): number {
  let best = 0;
  for (const c of result.chunks.slice(0, 5)) best = Math.max(best, chunkRelevance({ denseScore: c.denseScore, coverage: coverageOf(c) }));
  return best;
}
