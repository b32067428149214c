import type { Config } from '../../config.js';
import { LocalEmbedder } from './local.js';
import type { Embedder } from './types.js';

export type { Embedder } from './types.js';

/** Which embedder runs is decided here, once, from configuration. */
export function createEmbedder(config: Config): Embedder {
  switch (config.embeddingProvider) {
    case 'local':
      return new LocalEmbedder();
    case 'openai':
      throw new Error('EMBEDDING_PROVIDER=openai is not available yet');
  }
}
