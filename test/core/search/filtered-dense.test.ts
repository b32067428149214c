// A narrow access scope must not make the dense leg read the whole HNSW index (migration 0029): its
// iterative scan stops at a bounded number of index tuples, and the nearest visible chunks are still
// the ones it returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/db/types.js';
import { toVector } from '../../../src/core/db/vector.js';
import { mulberry32 } from '../../../bench/random.js';
import { migratedMemoryDb } from '../../helpers/db.js';
import { migratedPgDb } from '../../helpers/pg.js';

const DIMS = 16;
const DOCS = 200;
const CHUNKS_PER_DOC = 10;
const GROUPS = 20; // the asker is in one group: 5% of the corpus
const scope = [['group:g0@acme.com']];

function vectors(seed: number, n: number): number[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const v = Array.from({ length: DIMS }, () => rand() * 2 - 1);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

async function load(db: Database) {
  await db.query('SELECT configure_embedding_space($1, $2, false)', ['test:random-16', DIMS]);
  const docIds = (
    await db.query<{ id: string }>(
      `INSERT INTO documents (title, content, file_id, source, content_hash)
       SELECT 'doc ' || i, 'text', 'test:' || i, 'test', md5(i::text) FROM generate_series(0, $1 - 1) i RETURNING id`,
      [DOCS],
    )
  ).rows.map((r) => r.id);
  const embeddings = vectors(7, DOCS * CHUNKS_PER_DOC).map(toVector);
  await db.query(
    `INSERT INTO chunks (document_id, chunk_index, content, embedding, embedding_model)
     SELECT ($1::uuid[])[i / $2 + 1], i % $2, 'chunk ' || i, ($3::text[])[i + 1]::vector, 'test:random-16'
     FROM generate_series(0, cardinality($3::text[]) - 1) i`,
    [docIds, CHUNKS_PER_DOC, embeddings],
  );
  await db.query(
    `INSERT INTO document_access (document_id, principal, via)
     SELECT id, 'group:g' || (split_part(file_id, ':', 2)::int % $1) || '@acme.com', 'file' FROM documents`,
    [GROUPS],
  );
}

function suite(name: string, open: () => Promise<{ db: Database; done: () => Promise<void> }>) {
  describe(`dense leg under a narrow scope (${name})`, () => {
    let db: Database;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ db, done } = await open());
      await load(db);
    });
    afterAll(() => done());

    it('returns the nearest visible chunks, from a bounded part of the index', async () => {
      const queries = vectors(11, 20).map(toVector);
      let hit = 0;
      for (const q of queries) {
        const got = (
          await db.query<{ chunk_id: string }>(
            'SELECT chunk_id FROM dense_search($1::vector, 144, NULL, NULL, NULL, NULL, 100, $2::text[])',
            [q, scope],
          )
        ).rows.map((r) => r.chunk_id);
        // An exact scan with the same rule (the + 0 keeps the planner off the index).
        const exact = (
          await db.query<{ id: string }>(
            'SELECT id FROM chunks WHERE access_permits(document_id, $2::text[]) ORDER BY (embedding <=> $1::vector) + 0 LIMIT 10',
            [q, scope],
          )
        ).rows.map((r) => r.id);
        expect(got.length).toBeGreaterThanOrEqual(10);
        // 100 chunks are visible; a scan bounded at 3 x 144 index tuples reaches only the nearer ones.
        expect(got.length).toBeLessThan((DOCS * CHUNKS_PER_DOC) / GROUPS);
        hit += exact.filter((id) => got.includes(id)).length;
      }
      expect(hit / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    });

    it('an unfiltered search is not bounded', async () => {
      const [q] = vectors(13, 1).map(toVector);
      const r = await db.query('SELECT chunk_id FROM dense_search($1::vector, 144, NULL, NULL, NULL, NULL, 100, $2::text[])', [q, [['*']]]);
      expect(r.rows).toHaveLength(144);
    });
  });
}

suite('embedded', async () => {
  const db = await migratedMemoryDb();
  return { db, done: () => db.close() };
});
suite('postgres', () => migratedPgDb());
