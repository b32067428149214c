import type { Config } from '../../../config.js';
import { HttpReranker } from './http.js';
import type { Reranker } from './types.js';

export type { Reranker } from './types.js';

/** Off unless RERANK_URL is set. */
export function createReranker(
  config: Pick<Config, 'RERANK_URL' | 'RERANK_MODEL' | 'RERANK_API_KEY' | 'RERANK_TIMEOUT_MS'>,
): Reranker | undefined {
  if (!config.RERANK_URL) return undefined;
  return new HttpReranker({
    url: config.RERANK_URL,
    model: config.RERANK_MODEL,
    apiKey: config.RERANK_API_KEY,
    timeoutMs: config.RERANK_TIMEOUT_MS,
  });
}
