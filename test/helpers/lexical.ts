// Writing chunks straight into the schema and checking the BM25 postings the triggers keep against
// a recount from chunks.fts: shared by the posting-block (0028) and text-configuration (0031) tests.
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../../bench/random.js';
import { MIGRATIONS_DIR } from '../../src/core/db/migrate.js';
import type { Database } from '../../src/core/db/types.js';

export const WORDS = [
  'guardrail',
  'concrete',
  'pour',
  'ladder',
  'harness',
  'slab',
  'rebar',
  'crane',
  'permit',
  'inspection',
  'curing',
  'formwork',
];

/** The migrations numbered below `version`, in a folder of their own: the database as it was before it. */
export function migrationsBefore(version: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'trajanus-migrations-'));
  for (const f of readdirSync(MIGRATIONS_DIR))
    if (/^\d+_/.test(f) && Number(f.split('_')[0]) < version) cpSync(join(MIGRATIONS_DIR, f), join(dir, f));
  return dir;
}

/** `n` texts of 4 to 15 words drawn from WORDS. */
function texts(seed: number, n: number): string[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () =>
    Array.from({ length: 4 + Math.floor(r() * 12) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' '),
  );
}

/** Documents of `perDoc` chunks each, all written by ONE chunks statement (one block); `content` overrides the drawn texts. */
export async function insertDocs(
  db: Database,
  name: string,
  docs: number,
  perDoc: number,
  seed: number,
  content?: string[],
): Promise<void> {
  await db.transaction(async (tx) => {
    const ids = (
      await tx.query<{ id: string }>(
        `INSERT INTO documents (title, content, file_id, source, content_hash)
         SELECT 't', 'c', $1 || ':' || g, 'test', 'h' FROM generate_series(1, $2::int) g RETURNING id`,
        [name, docs],
      )
    ).rows.map((r) => r.id);
    const docIds = ids.flatMap((id) => Array.from({ length: perDoc }, () => id));
    const idx = ids.flatMap(() => Array.from({ length: perDoc }, (_, i) => i));
    await tx.query(
      `INSERT INTO chunks (document_id, chunk_index, content, context)
       SELECT d, i, c, 'Title' FROM unnest($1::uuid[], $2::int[], $3::text[]) AS u(d, i, c)`,
      [docIds, idx, content ?? texts(seed, docIds.length)],
    );
  });
}

/** Postings that differ between the blocks (read through the chunk_terms view) and a recount from chunks.fts. */
export async function postingsDiff(db: Database) {
  const r = await db.query<{ missing: number; extra: number; rows: number; expected: number; empty: number; unmapped: number }>(
    `WITH recount AS (
       SELECT l.lexeme AS term, c.id AS chunk_id, coalesce(array_length(l.positions, 1), 1) AS tf,
              (sum(coalesce(array_length(l.positions, 1), 1)) OVER (PARTITION BY c.id))::int AS len
       FROM chunks c, unnest(c.fts) AS l)
     SELECT (SELECT count(*)::int FROM (SELECT * FROM recount EXCEPT SELECT term, chunk_id, tf, len FROM chunk_terms) x) AS missing,
            (SELECT count(*)::int FROM (SELECT term, chunk_id, tf, len FROM chunk_terms EXCEPT SELECT * FROM recount) x) AS extra,
            (SELECT count(*)::int FROM chunk_terms) AS rows,
            (SELECT count(*)::int FROM recount) AS expected,
            (SELECT count(*)::int FROM term_blocks WHERE cardinality(chunk_ids) = 0
                OR cardinality(chunk_ids) <> cardinality(tfs) OR cardinality(chunk_ids) <> cardinality(lens)) AS empty,
            (SELECT count(*)::int FROM (SELECT id FROM chunks EXCEPT SELECT chunk_id FROM chunk_blocks
                UNION ALL SELECT chunk_id FROM chunk_blocks EXCEPT SELECT id FROM chunks) x) AS unmapped`,
  );
  return r.rows[0];
}

/** Terms whose term_stats document frequency differs from a recount. */
export async function dfDiff(db: Database): Promise<number> {
  return (
    await db.query<{ bad: number }>(
      `SELECT count(*)::int AS bad FROM (SELECT l.lexeme AS term, count(*)::int AS df FROM chunks c, unnest(c.fts) l GROUP BY 1) t
       FULL JOIN term_stats s USING (term) WHERE t.df IS DISTINCT FROM s.df`,
    )
  ).rows[0].bad;
}
