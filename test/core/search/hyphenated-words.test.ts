// Migration 0031: a hyphenated word is indexed and searched as its parts (trajanus_english), so
// "boundary-layer" in a question finds "boundary layer" as well as "boundary-layer". A database
// migrated before it gets the new lexemes and its postings recounted, in blocks of at most 1,024
// chunks; every function that reads a question uses the new configuration. On the embedded
// database and on a real PostgreSQL.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lexemesOf } from '../../../src/core/answer/weights.js';
import { EmbeddedDatabase } from '../../../src/core/db/embedded.js';
import { migrate } from '../../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../../src/core/db/postgres.js';
import type { Database } from '../../../src/core/db/types.js';
import { dfDiff, insertDocs, migrationsBefore, postingsDiff } from '../../helpers/lexical.js';
import { freshPgDatabase } from '../../helpers/pg.js';

const HYPHEN = 'boundary-layer transition on a flat plate';
const SPACE = 'boundary layer transition on a flat plate';

/** lexical_search's score of the chunk holding each text, for `query`. */
async function scores(db: Database, query: string): Promise<Record<string, number>> {
  const r = await db.query<{ content: string; score: number }>(
    `SELECT c.content, s.score FROM lexical_search($1, 100000, NULL, NULL, NULL, NULL, '{{*}}') s JOIN chunks c ON c.id = s.chunk_id
     WHERE c.content IN ($2, $3)`,
    [query, HYPHEN, SPACE],
  );
  return Object.fromEntries(r.rows.map((x) => [x.content, x.score]));
}

function suite(name: string, open: () => Promise<{ db: Database; done: () => Promise<void> }>) {
  describe(`hyphenated words (${name})`, () => {
    it('an upgraded database scores both spellings alike, with its postings recounted in blocks of at most 1,024 chunks', async () => {
      const { db, done } = await open();
      const before = migrationsBefore(31);
      try {
        await migrate(db, { dir: before });
        await insertDocs(db, 'spellings', 2, 1, 1, [HYPHEN, SPACE]);
        await insertDocs(db, 'filler', 110, 10, 2); // 1,100 chunks written in one statement: one block before 0031
        const old = await scores(db, 'boundary-layer');
        expect(old[HYPHEN]).toBeGreaterThan(old[SPACE] * 1.3); // the compound's IDF decided
        await migrate(db);
        const now = await scores(db, 'boundary-layer');
        expect(now[HYPHEN]).toBeCloseTo(now[SPACE], 9);
        expect(now[SPACE]).toBeCloseTo((await scores(db, 'boundary layer'))[SPACE], 9);
        expect(await postingsDiff(db)).toMatchObject({ missing: 0, extra: 0, empty: 0, unmapped: 0 });
        expect(await dfDiff(db)).toBe(0);
        const shape = (
          await db.query<{ biggest: number; chunks: number; counted: number }>(
            `SELECT (SELECT max(cardinality(chunk_ids))::int FROM term_blocks) AS biggest, (SELECT count(*)::int FROM chunks) AS chunks,
                    (SELECT chunks::int FROM lexical_stats) AS counted`,
          )
        ).rows[0];
        expect(shape.biggest).toBeLessThanOrEqual(1024);
        expect(shape.counted).toBe(shape.chunks);
        // Nothing that reads text is left on the old configuration; the answer composer cuts text as the index does.
        const stale = await db.query<{ proname: string }>(
          `SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace AND prosrc LIKE '%''english''%'`,
        );
        expect(stale.rows).toEqual([]);
        expect((await lexemesOf(db, ['boundary-layer']))[0].sort()).toEqual(['boundari', 'layer']);
        // A write after the migration goes through the same configuration.
        await insertDocs(db, 'later', 1, 1, 3, ['a shock-wave boundary-layer interaction']);
        expect(await postingsDiff(db)).toMatchObject({ missing: 0, extra: 0 });
        const later = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM term_stats WHERE term LIKE '%-%'`);
        expect(later.rows[0].n).toBe(0);
      } finally {
        rmSync(before, { recursive: true, force: true });
        await done();
      }
    }, 120_000);
  });
}

suite('embedded', async () => {
  const db = await EmbeddedDatabase.open();
  return { db, done: () => db.close() };
});

suite('postgres', async () => {
  const fresh = await freshPgDatabase();
  const db = new PostgresDatabase({ url: fresh.url, poolSize: 2 });
  return {
    db,
    done: async () => {
      await db.close();
      await fresh.drop();
    },
  };
});
