// Retrieval confidence in [0, 1]: does the best passage cover the question's words (BM25
// coverage, weighted by rarity), and is it close in meaning (cosine similarity)? Both legs
// are needed: a paraphrase has no shared words, an off-topic question has no close passage.
import type { SearchResult } from '../search/types.js';

/** Cosine similarities below FLOOR are noise for sentence embedders; above CEIL, a clear match. */
const FLOOR = 0.25;
const CEIL = 0.7;

export function retrievalConfidence(result: Pick<SearchResult, 'chunks'>): number {
  let best = 0;
  for (const c of result.chunks.slice(0, 5)) {
    const dense = c.denseScore === undefined ? 0 : Math.min(Math.max((c.denseScore - FLOOR) / (CEIL - FLOOR), 0), 1);
    best = Math.max(best, 0.6 * c.coverage + 0.4 * dense);
  }
  return Math.round(best * 1000) / 1000;
}
