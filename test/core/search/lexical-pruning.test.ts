// Migration 0030 prunes the lexical leg (MaxScore, a one-word top-N, float8 constants, postings read
// in one pass). It must rank exactly what 0015's lexical_search ranked: the same chunks with the
// same scores and coverage (to float rounding; a tie at the last place may keep another of the
// tied chunks), for one-word and many-word queries over common and rare words, with "phrases",
// -exclusions, document filters and access scopes. 0015's definition is read from its migration
// file and installed under another name, so the reference is the old SQL itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from '../../../src/core/db/embedded.js';
import { MIGRATIONS_DIR, migrate } from '../../../src/core/db/migrate.js';
import type { Database } from '../../../src/core/db/types.js';
import { mulberry32 } from '../../../bench/random.js';
import { migratedPgDb } from '../../helpers/pg.js';

/** 0015's lexical_search, renamed, reading questions with today's text configuration (0031): what the pruned leg must reproduce. */
function referenceLexicalSearch(): string {
  const sql = readFileSync(join(MIGRATIONS_DIR, '0015_access_inline_predicate.sql'), 'utf8');
  const start = sql.indexOf('CREATE OR REPLACE FUNCTION lexical_search(');
  const end = sql.indexOf('$$;', start) + 3;
  expect(start).toBeGreaterThan(-1);
  return sql
    .slice(start, end)
    .replace('FUNCTION lexical_search(', 'FUNCTION lexical_search_0015(')
    .replaceAll("'english'", "'trajanus_english'");
}

// A Zipfian vocabulary: the first words are in most chunks, the last in a handful.
const VOCAB = Array.from(
  { length: 60 },
  (_, i) => `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}x`,
);
const CATEGORIES = ['safety', 'quality', 'schedule'];
const GROUPS = ['group:a@acme.com', 'group:b@acme.com', 'group:c@acme.com'];

/** 5-44 words: Zipfian over the first 40 of VOCAB, and now and then one of the 20 rare ones. */
function chunkText(r: () => number): string {
  const n = 5 + Math.floor(r() * 40);
  const words: string[] = [];
  for (let i = 0; i < n; i++)
    words.push(r() < 0.01 ? VOCAB[40 + Math.floor(r() * 20)] : VOCAB[Math.min(39, Math.floor(40 ** (r() ** 1.5)) - 1)]);
  return words.join(' ');
}

async function buildCorpus(db: Database) {
  const r = mulberry32(16);
  const docs = 60;
  const perDoc = 8;
  const ids = (
    await db.query<{ id: string }>(
      `INSERT INTO documents (title, content, file_id, category, source, content_hash)
       SELECT 't' || g, 'c', 'prune:' || g, ($1::text[])[1 + g % 3], 'test', 'h' || g FROM generate_series(0, $2::int - 1) g RETURNING id`,
      [CATEGORIES, docs],
    )
  ).rows.map((x) => x.id);
  // Two write statements, so the postings span two blocks.
  for (const half of [ids.slice(0, docs / 2), ids.slice(docs / 2)]) {
    const docIds = half.flatMap((id) => Array.from({ length: perDoc }, () => id));
    await db.query(
      `INSERT INTO chunks (document_id, chunk_index, content, context)
       SELECT d, i, c, 'Doc' FROM unnest($1::uuid[], $2::int[], $3::text[]) AS u(d, i, c)`,
      [docIds, docIds.map((_, i) => i % perDoc), docIds.map(() => chunkText(r))],
    );
  }
  // Each document opens to one or two of three groups.
  await db.query(
    `INSERT INTO document_access (document_id, principal, via)
     SELECT id, ($2::text[])[1 + (row_number() OVER (ORDER BY id)) % 3], 'file' FROM documents WHERE id = ANY ($1::uuid[])
     UNION ALL
     SELECT id, ($2::text[])[1 + (row_number() OVER (ORDER BY id) + 1) % 3], 'file' FROM documents WHERE id = ANY ($1::uuid[]) AND md5(id::text) < '8'
     ON CONFLICT DO NOTHING`,
    [ids, GROUPS],
  );
}

const common = VOCAB.slice(0, 3);
const mid = VOCAB.slice(8, 12);
const rare = VOCAB.slice(40, 44);
const QUERIES = [
  common[0],
  rare[0],
  mid[1],
  `${common[0]} ${common[1]}`,
  `${rare[1]} ${common[0]}`,
  `${rare[2]} ${mid[0]} ${common[1]} ${common[2]}`,
  `${mid[2]} ${mid[3]} ${common[0]} ${common[1]} ${common[2]}`,
  `${rare[3]} ${rare[3]} ${common[0]}`, // a word said twice weighs twice
  `${common[0]} ${common[1]} ${common[2]} ${mid[0]} ${mid[1]} ${rare[0]} ${rare[1]}`,
  `${common[0]} unknownword`,
  `"${common[0]} ${common[1]}" ${mid[0]}`,
  `${common[0]} ${mid[1]} -${common[1]}`,
  'nothingmatches',
];
const SCOPES = [
  [['*']],
  [[GROUPS[0]]],
  [
    [GROUPS[0], GROUPS[1]],
    [GROUPS[1], null],
  ],
];
const FILTERS: (string[] | null)[] = [null, ['safety', 'schedule']];

interface Row {
  chunk_id: string;
  score: number;
  coverage: number;
}

async function run(db: Database, fn: string, q: string, k: number, category: string[] | null, scope: (string | null)[][]) {
  return (
    await db.query<Row>(`SELECT chunk_id, score, coverage FROM ${fn}($1, $2, $3::text[], NULL, NULL, NULL, $4::text[])`, [
      q,
      k,
      category,
      scope,
    ])
  ).rows;
}

/** The same ranking: same length, same scores in order, and every chunk the reference's except ties at the last score. */
function expectSameRanking(got: Row[], want: Row[], label: string) {
  expect(got.length, label).toBe(want.length);
  const byId = new Map(want.map((w) => [w.chunk_id, w]));
  const last = want.length ? want[want.length - 1].score : 0;
  got.forEach((g, i) => {
    expect(g.score, `${label} #${i}`).toBeCloseTo(want[i].score, 9);
    const w = byId.get(g.chunk_id);
    if (w) {
      expect(g.score, `${label} ${g.chunk_id}`).toBeCloseTo(w.score, 9);
      expect(g.coverage, `${label} ${g.chunk_id}`).toBeCloseTo(w.coverage, 9);
    } else expect(g.score, `${label}: ${g.chunk_id} is not in the reference and not tied at its last score`).toBeCloseTo(last, 9);
  });
}

function suite(name: string, open: () => Promise<{ db: Database; done: () => Promise<void> }>) {
  describe(`lexical_search pruning (${name})`, () => {
    let db: Database;
    let done: () => Promise<void>;

    beforeAll(async () => {
      ({ db, done } = await open());
      await migrate(db);
      await db.exec(referenceLexicalSearch());
      await buildCorpus(db);
      // without statistics PostgreSQL plans the reference query badly (about a second a call)
      await db.exec('ANALYZE');
    });
    afterAll(async () => done());

    it('builds a corpus with common and rare words (the pruning has something to skip)', async () => {
      const df = (await db.query<{ term: string; df: number }>('SELECT term, df::int FROM term_stats')).rows;
      const of = new Map(df.map((x) => [x.term, x.df]));
      const chunks = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks')).rows[0].n;
      expect(of.get(common[0])!).toBeGreaterThan(chunks / 2);
      for (const w of rare) expect(of.get(w) ?? 0).toBeLessThan(chunks / 20);
      for (const w of rare) expect(of.get(w) ?? 0).toBeGreaterThan(0);
    });

    it('returns the top k of the operator scope exactly as 0015 did, for k from 1 to all', async () => {
      for (const q of QUERIES)
        for (const k of [1, 5, 20, 100, 100000]) {
          const want = await run(db, 'lexical_search_0015', q, k, null, [['*']]);
          expectSameRanking(await run(db, 'lexical_search', q, k, null, [['*']]), want, `"${q}" k=${k}`);
        }
    });

    it('returns what 0015 did with "phrases", -exclusions, document filters and access scopes', async () => {
      for (const q of QUERIES)
        for (const scope of SCOPES)
          for (const category of FILTERS)
            for (const k of [5, 50]) {
              const want = await run(db, 'lexical_search_0015', q, k, category, scope);
              const label = `"${q}" k=${k} ${JSON.stringify(scope)} ${category}`;
              expectSameRanking(await run(db, 'lexical_search', q, k, category, scope), want, label);
            }
    });
  });
}

suite('embedded', async () => {
  const db = await EmbeddedDatabase.open();
  return { db, done: () => db.close() };
});

suite('postgres', async () => {
  const { db, done } = await migratedPgDb();
  return { db, done };
});
