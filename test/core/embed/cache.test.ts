import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CachedEmbedder, textHash } from '../../../src/core/embed/cache.js';
import { ensureEmbeddingSpace } from '../../../src/core/embed/space.js';
import type { Embedder } from '../../../src/core/embed/types.js';
import { migrate } from '../../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../../src/core/db/postgres.js';
import type { Database } from '../../../src/core/db/types.js';
import { migratedMemoryDb } from '../../helpers/db.js';
import { freshPgDatabase } from '../../helpers/pg.js';

/** 8-d vectors from sha256(text), in steps of 1/8 so they survive the float4 round trip exactly; counts calls. */
class CountingEmbedder implements Embedder {
  readonly dimensions = 8;
  readonly maxInputTokens = 512;
  calls: string[][] = [];
  constructor(readonly id = 'test:counting') {}
  async embed(texts: string[]): Promise<number[][]> {
    this.calls.push([...texts]);
    return texts.map((t) => [...createHash('sha256').update(t).digest().subarray(0, 8)].map((b) => (b % 16) / 8 - 1));
  }
}

function cacheSuite(name: string, open: () => Promise<{ db: Database; done: () => Promise<void> }>) {
  describe(`CachedEmbedder on ${name}`, () => {
    let ctx: { db: Database; done: () => Promise<void> } | undefined;
    afterAll(async () => ctx?.done());

    it('counts hits and misses and embeds only distinct misses', async () => {
      ctx = await open();
      const { db } = ctx;
      const inner = new CountingEmbedder();
      await ensureEmbeddingSpace(db, inner);
      const cached = new CachedEmbedder(db, inner);
      expect([cached.id, cached.dimensions]).toEqual(['test:counting', 8]);

      expect(await cached.embedMany([])).toEqual({ vectors: [], hits: 0, misses: 0 });
      expect(inner.calls).toEqual([]);

      const first = await cached.embedMany(['a', 'b', 'a']);
      expect(first).toMatchObject({ hits: 0, misses: 3 });
      expect(inner.calls).toEqual([['a', 'b']]);
      const [va, vb] = await new CountingEmbedder().embed(['a', 'b']);
      expect(first.vectors).toEqual([va, vb, va]);

      const second = await cached.embedMany(['b', 'c', 'a', 'c']);
      expect(second).toMatchObject({ hits: 2, misses: 2 });
      expect(inner.calls).toEqual([['a', 'b'], ['c']]);
      expect(second.vectors[0]).toEqual(vb); // read back from the database
      expect(second.vectors[2]).toEqual(va);
      expect(second.vectors[1]).toEqual(second.vectors[3]);

      expect(await cached.embedQuery('c')).toEqual(second.vectors[1]);
      expect(inner.calls).toHaveLength(2);
      expect(cached.totals).toEqual({ hits: 3, misses: 5 });

      const rows = await db.query<{ text_hash: string; access_count: number }>(
        'SELECT text_hash, access_count FROM embeddings_cache WHERE model = $1 ORDER BY text_hash',
        ['test:counting'],
      );
      expect(rows.rows).toHaveLength(3);
      const count = Object.fromEntries(rows.rows.map((r) => [r.text_hash, Number(r.access_count)]));
      // stored with access_count 1; 'a' and 'b' were hit once, 'c' once (by embedQuery): each hit bumps the LRU counter
      expect(count).toEqual({ [textHash('a')]: 2, [textHash('b')]: 2, [textHash('c')]: 2 });
    });

    it('keys the cache by model: another embedder misses', async () => {
      const { db } = ctx!;
      const other = new CountingEmbedder('test:other');
      const cached = new CachedEmbedder(db, other);
      expect(await cached.embedMany(['a'])).toMatchObject({ hits: 0, misses: 1 });
      expect(other.calls).toEqual([['a']]);
      const n = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM embeddings_cache WHERE text_hash = $1', [textHash('a')]);
      expect(n.rows[0].n).toBe(2);
    });
  });
}

cacheSuite('the embedded database', async () => {
  const db = await migratedMemoryDb();
  return { db, done: () => db.close() };
});

cacheSuite('PostgreSQL', async () => {
  const { url, drop } = await freshPgDatabase();
  const db = new PostgresDatabase({ url, poolSize: 2 });
  await migrate(db);
  return {
    db,
    done: async () => {
      await db.close();
      await drop();
    },
  };
});
