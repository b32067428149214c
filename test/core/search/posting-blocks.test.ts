// BM25 postings are stored in blocks (migration 0028): one row per term per write statement. The
// blocks must hold exactly the postings 0002's row-per-posting triggers kept — a recount from
// chunks.fts — after every kind of write, and the migration must carry existing postings over
// without changing a single lexical score. On the embedded database and on a real PostgreSQL.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from '../../../src/core/db/embedded.js';
import { migrate } from '../../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../../src/core/db/postgres.js';
import type { Database } from '../../../src/core/db/types.js';
import { dfDiff, insertDocs, migrationsBefore, postingsDiff } from '../../helpers/lexical.js';
import { freshPgDatabase } from '../../helpers/pg.js';

const QUERIES = ['guardrail harness', 'concrete pour slab slab', 'crane permit inspection', 'curing formwork rebar ladder'];

/** Every chunk each query matches, with its score (all of them: ties cannot reorder a comparison). */
async function lexical(db: Database) {
  const out: Map<string, number>[] = [];
  for (const q of QUERIES) {
    const r = await db.query<{ chunk_id: string; score: number }>(
      `SELECT chunk_id, score FROM lexical_search($1, 100000, NULL, NULL, NULL, NULL, '{{*}}')`,
      [q],
    );
    out.push(new Map(r.rows.map((x) => [x.chunk_id, x.score])));
  }
  return out;
}

function expectSameScores(got: Map<string, number>[], want: Map<string, number>[]) {
  expect(got.map((m) => [...m.keys()].sort())).toEqual(want.map((m) => [...m.keys()].sort()));
  got.forEach((m, i) => {
    for (const [id, score] of m) expect(score).toBeCloseTo(want[i].get(id)!, 9);
  });
}

const clean = { missing: 0, extra: 0, empty: 0, unmapped: 0 };

function suite(name: string, open: () => Promise<{ db: Database; done: () => Promise<void> }>) {
  describe(`BM25 posting blocks (${name})`, () => {
    let db: Database;
    let done: () => Promise<void>;
    let before: string;

    beforeAll(async () => {
      ({ db, done } = await open());
      before = migrationsBefore(28);
    });
    afterAll(async () => {
      rmSync(before, { recursive: true, force: true });
      await done();
    });

    it('carries the postings of a database migrated before blocks over without changing a lexical score', async () => {
      await migrate(db, { dir: before });
      await insertDocs(db, 'old-a', 1, 3, 1);
      await insertDocs(db, 'old-b', 4, 5, 2);
      const scores = await lexical(db);
      expect(scores.every((s) => s.size > 0)).toBe(true);
      await migrate(db);
      expect(await postingsDiff(db)).toMatchObject(clean);
      expectSameScores(await lexical(db), scores);
    });

    it('keeps the blocks equal to a recount through batch inserts, text updates and partial deletes', async () => {
      await insertDocs(db, 'batch', 30, 4, 3); // 120 chunks in one statement: one block
      let d = await postingsDiff(db);
      expect(d).toMatchObject(clean);
      expect(d.rows).toBe(d.expected);
      expect(
        (
          await db.query<{ n: number }>(
            `SELECT count(DISTINCT block)::int AS n FROM chunk_blocks m JOIN chunks c ON c.id = m.chunk_id JOIN documents x ON x.id = c.document_id WHERE x.file_id LIKE 'batch:%'`,
          )
        ).rows[0].n,
      ).toBe(1);
      // Part of a block rewritten, part of it deleted, a column that is not text changed.
      await db.query(`UPDATE chunks SET content = content || ' guardrail guardrail zebra' WHERE chunk_index = 1`);
      await db.query(`UPDATE chunks SET token_count = 7`);
      await db.query(`DELETE FROM chunks WHERE chunk_index = 3`);
      await db.query(`DELETE FROM documents WHERE file_id IN ('batch:2', 'old-b:1')`);
      d = await postingsDiff(db);
      expect(d).toMatchObject(clean);
      expect(d.rows).toBe(d.expected);
      expect(await dfDiff(db)).toBe(0);
      // A whole block gone leaves no block rows behind.
      await db.query(`DELETE FROM documents WHERE file_id LIKE 'batch:%'`);
      d = await postingsDiff(db);
      expect(d).toMatchObject(clean);
      expect(d.rows).toBe(d.expected);
      expect(await dfDiff(db)).toBe(0);
      const stats = (
        await db.query<{ chunks: number; n: number }>('SELECT chunks::int, (SELECT count(*)::int FROM chunks) AS n FROM lexical_stats')
      ).rows[0];
      expect(stats.chunks).toBe(stats.n);
    });

    it('ranks what a recount ranks after the writes', async () => {
      const want: Map<string, number>[] = [];
      // BM25 computed from the recount directly (0015's formula, operator scope, no filters).
      for (const q of QUERIES) {
        const r = await db.query<{ chunk_id: string; score: number }>(
          `WITH s AS (SELECT greatest(chunks, 1)::float8 AS n, greatest(total_len::float8 / greatest(chunks, 1), 1) AS avgdl FROM lexical_stats),
           q AS (SELECT l.lexeme AS term, coalesce(array_length(l.positions, 1), 1)::float8 AS qw FROM unnest(to_tsvector('trajanus_english', $1)) l),
           p AS (SELECT l.lexeme AS term, c.id AS chunk_id, coalesce(array_length(l.positions, 1), 1) AS tf,
                        sum(coalesce(array_length(l.positions, 1), 1)) OVER (PARTITION BY c.id) AS len FROM chunks c, unnest(c.fts) l)
           SELECT p.chunk_id, sum(q.qw * ln(1 + (s.n - t.df + 0.5) / (t.df + 0.5)) * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / s.avgdl))) AS score
           FROM q JOIN term_stats t ON t.term = q.term JOIN p ON p.term = q.term CROSS JOIN s
           GROUP BY p.chunk_id`,
          [q],
        );
        want.push(new Map(r.rows.map((x) => [x.chunk_id, x.score])));
      }
      expectSameScores(await lexical(db), want);
    });
  });
}

suite('embedded', async () => {
  const db = await EmbeddedDatabase.open();
  return { db, done: () => db.close() };
});

suite('postgres', async () => {
  const fresh = await freshPgDatabase();
  const db = new PostgresDatabase({ url: fresh.url, poolSize: 2, statementTimeoutMs: 60_000 });
  return {
    db,
    done: async () => {
      await db.close();
      await fresh.drop();
    },
  };
});
