import type { Config } from '../../config.js';
import { LocalEmbedder } from './local.js';
import { OpenAIEmbedder } from './openai.js';
import type { Embedder } from './types.js';

export type { Embedder } from './types.js';

/** No EMBEDDING_TIMEOUT_MS / retry variables exist: one request may take a minute, 429/5xx are retried 4 times. */
const EMBEDDING_TIMEOUT_MS = 60_000;
const EMBEDDING_MAX_RETRIES = 4;

/**
 * Which embedder runs is decided here, once, from configuration. `oneShot` (a command that embeds
 * one question and exits): the local model runs in one worker thread unless EMBEDDING_THREADS says
 * otherwise, so that `warm()` loads it on the other core while the command opens its database.
 */
export function createEmbedder(config: Config, opts: { oneShot?: boolean } = {}): Embedder {
  switch (config.embeddingProvider) {
    case 'local':
      return new LocalEmbedder({
        threads: config.EMBEDDING_THREADS ?? (opts.oneShot ? 1 : undefined),
        worker: opts.oneShot && config.EMBEDDING_THREADS === undefined,
      });
    case 'openai':
      return new OpenAIEmbedder({
        // A keyless compatible server (Ollama, vLLM) still needs some bearer value for the SDK.
        apiKey: config.OPENAI_API_KEY ?? 'unused',
        baseURL: config.EMBEDDING_BASE_URL ?? config.OPENAI_BASE_URL,
        model: config.EMBEDDING_MODEL,
        dimensions: config.EMBEDDING_DIMENSIONS,
        timeoutMs: EMBEDDING_TIMEOUT_MS,
        maxRetries: EMBEDDING_MAX_RETRIES,
      });
  }
}
