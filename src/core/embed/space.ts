import type { Database } from '../db/types.js';
import type { Embedder } from './types.js';
import { ensureVectorIndex } from '../db/vector-index.js';

export class EmbedderMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbedderMismatchError';
  }
}

export interface EmbeddingSpace {
  model: string;
  dimensions: number;
}

export async function currentEmbeddingSpace(db: Database): Promise<EmbeddingSpace | null> {
  const r = await db.query<EmbeddingSpace>('SELECT model, dimensions FROM embedding_space');
  return r.rows[0] ?? null;
}

/**
 * Makes the database's embedding space the configured embedder's. A fresh database takes it;
 * a database whose vectors came from another model is refused (changing the embedder is an
 * explicit `trajanus reembed`, never silent).
 */
export async function ensureEmbeddingSpace(db: Database, embedder: Pick<Embedder, 'id' | 'dimensions'>): Promise<void> {
  try {
    await db.query('SELECT configure_embedding_space($1, $2, false)', [embedder.id, embedder.dimensions]);
  } catch (e) {
    const msg = (e as Error).message;
    if (msg.includes('is configured'))
      throw new EmbedderMismatchError(
        `${msg}. Run \`npx trajanus reembed\` to re-embed every chunk with ${embedder.id}, or configure the previous embedder (EMBEDDING_PROVIDER / EMBEDDING_MODEL) again.`,
      );
    throw e;
  }
  // A bulk write that died with the index set aside (db/vector-index.ts) left it missing.
  await ensureVectorIndex(db);
}
