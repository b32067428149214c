// Retrieval confidence in [0, 1]: does the best passage cover the question's words (BM25
// coverage, weighted by rarity), and is it close in meaning (cosine similarity)? Both legs
// are needed: a paraphrase has no shared words, an off-topic question has no close passage.
import { chunkRelevance } from '../search/relevance.js';
import type { SearchResult } from '../search/types.js';

export function retrievalConfidence(result: Pick<SearchResult, 'chunks'>): number {
  let best = 0;
  for (const c of result.chunks.slice(0, 5)) best = Math.max(best, chunkRelevance(c));
  return best;
}
