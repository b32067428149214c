import { createHash } from 'node:crypto';
import type { Database } from '../db/types.js';
import { fromVector, toVector } from '../db/vector.js';
import type { Embedder } from './types.js';

export const textHash = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export interface CachedEmbedding {
  vectors: number[][];
  hits: number;
  misses: number;
}

export interface CacheCounters {
  hits: number;
  misses: number;
}

/**
 * Embeds through the Postgres cache keyed by (sha256(text), model): one query looks up a whole
 * batch, only distinct misses reach the model, they are stored in one statement, and hits get
 * their access time bumped in one UPDATE (cache eviction is least-recently-used).
 */
export class CachedEmbedder {
  /** Running totals for metrics. */
  readonly totals: CacheCounters = { hits: 0, misses: 0 };

  constructor(
    private readonly db: Database,
    readonly embedder: Embedder,
  ) {}

  /** `e` itself when it already goes through the cache, else `e` behind the cache of `db`. */
  static wrap(db: Database, e: Embedder | CachedEmbedder): CachedEmbedder {
    return e instanceof CachedEmbedder ? e : new CachedEmbedder(db, e);
  }

  get id() {
    return this.embedder.id;
  }
  get dimensions() {
    return this.embedder.dimensions;
  }

  async embedMany(texts: string[]): Promise<CachedEmbedding> {
    if (texts.length === 0) return { vectors: [], hits: 0, misses: 0 };
    const model = this.embedder.id;
    const hashes = texts.map(textHash);
    const unique = [...new Set(hashes)];
    const found = await this.db.query<{ text_hash: string; embedding: string }>(
      'SELECT text_hash, embedding::text AS embedding FROM embeddings_cache WHERE model = $1 AND text_hash = ANY($2::text[])',
      [model, unique],
    );
    const byHash = new Map(found.rows.map((r) => [r.text_hash, fromVector(r.embedding)]));
    const hitHashes = [...byHash.keys()];
    const missHashes = unique.filter((h) => !byHash.has(h));
    if (missHashes.length) {
      const missTexts = missHashes.map((h) => texts[hashes.indexOf(h)]);
      const vectors = await this.embedder.embed(missTexts);
      if (vectors.length !== missTexts.length) throw new Error(`${model} returned ${vectors.length} vectors for ${missTexts.length} texts`);
      missHashes.forEach((h, i) => byHash.set(h, vectors[i]));
      await this.db.query(
        `INSERT INTO embeddings_cache (text_hash, model, embedding)
         SELECT h, $1, e::vector FROM unnest($2::text[], $3::text[]) AS t(h, e)
         ON CONFLICT (text_hash, model) DO NOTHING`,
        [model, missHashes, vectors.map(toVector)],
      );
    }
    if (hitHashes.length)
      await this.db.query(
        'UPDATE embeddings_cache SET last_accessed = now(), access_count = access_count + 1 WHERE model = $1 AND text_hash = ANY($2::text[])',
        [model, hitHashes],
      );
    // Hits and misses count texts, not distinct hashes: a repeated text in one batch is embedded once.
    const hits = hashes.filter((h) => hitHashes.includes(h)).length;
    this.totals.hits += hits;
    this.totals.misses += texts.length - hits;
    return { vectors: hashes.map((h) => byHash.get(h)!), hits, misses: texts.length - hits };
  }

  async embedQuery(text: string): Promise<number[]> {
    return (await this.embedMany([text])).vectors[0];
  }
}
