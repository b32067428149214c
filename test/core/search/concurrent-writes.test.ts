// Two transactions rewriting different documents that share words, interleaved as the ingest
// pool does on a real Postgres: A replaces its chunks in two statements while B does the same
// in between. Before migration 0004 this deadlocked in the BM25 triggers; now B waits for A.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../../src/core/db/postgres.js';
import { freshPgDatabase } from '../../helpers/pg.js';

describe('concurrent document writes on PostgreSQL', () => {
  let url: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, drop } = await freshPgDatabase());
    const db = new PostgresDatabase({ url, poolSize: 2 });
    await migrate(db);
    await db.query(
      `INSERT INTO documents (id, title, content, file_id, content_hash) VALUES
         ('00000000-0000-0000-0000-000000000001', 'd1', 'x', 'test:d1', 'h1'), ('00000000-0000-0000-0000-000000000002', 'd2', 'x', 'test:d2', 'h2')`,
    );
    await db.query(
      `INSERT INTO chunks (document_id, chunk_index, content) VALUES
         ('00000000-0000-0000-0000-000000000001', 0, 'alpha'), ('00000000-0000-0000-0000-000000000002', 0, 'zulu')`,
    );
    await db.close();
  });
  afterAll(() => drop());

  it('serialises the statistics updates instead of deadlocking', async () => {
    const a = new pg.Client({ connectionString: url });
    const b = new pg.Client({ connectionString: url });
    await a.connect();
    await b.connect();
    try {
      for (const c of [a, b]) await c.query(`SET lock_timeout = '20s'; SET deadlock_timeout = '100ms'`);
      await a.query('BEGIN');
      await a.query(`DELETE FROM chunks WHERE document_id = '00000000-0000-0000-0000-000000000001'`);
      await b.query('BEGIN');
      // B's delete locks "zulu" and then needs the statistics row A holds …
      const bWork = (async () => {
        await b.query(`DELETE FROM chunks WHERE document_id = '00000000-0000-0000-0000-000000000002'`);
        await b.query(
          `INSERT INTO chunks (document_id, chunk_index, content) VALUES ('00000000-0000-0000-0000-000000000002', 0, 'zulu yankee')`,
        );
        await b.query('COMMIT');
      })();
      await new Promise((r) => setTimeout(r, 300));
      // … while A's insert needs "zulu": without a single entry lock, a cycle.
      await a.query(
        `INSERT INTO chunks (document_id, chunk_index, content) VALUES ('00000000-0000-0000-0000-000000000001', 0, 'alpha zulu')`,
      );
      await a.query('COMMIT');
      await bWork;
    } finally {
      await a.end();
      await b.end();
    }
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    try {
      const df = await check.query(`SELECT term, df FROM term_stats ORDER BY term`);
      expect(df.rows).toEqual([
        { term: 'alpha', df: 1 },
        { term: 'yanke', df: 1 },
        { term: 'zulu', df: 2 },
      ]);
      const stats = await check.query(`SELECT chunks::int, total_len::int FROM lexical_stats`);
      expect(stats.rows[0]).toEqual({ chunks: 2, total_len: 4 });
    } finally {
      await check.end();
    }
  });
});
