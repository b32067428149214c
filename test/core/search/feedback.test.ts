import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/db/types.js';
import { PostgresDatabase } from '../../../src/core/db/postgres.js';
import { migrate } from '../../../src/core/db/migrate.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ensureEmbeddingSpace } from '../../../src/core/embed/space.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { DEFAULT_SEARCH_SETTINGS, HybridSearcher } from '../../../src/core/search/search.js';
import { OPERATOR_SCOPE } from '../../../src/core/access/scope.js';
import { migratedMemoryDb } from '../../helpers/db.js';
import { freshPgDatabase } from '../../helpers/pg.js';
import { ArraySource, TopicEmbedder, type FixtureDoc } from '../../helpers/corpus.js';

// "wellpoint dewatering": the dewatering plan and its log answer it; the shoring plan says "dewatering" once
// but shares the plan's vocabulary (header pipe, sump pumps, groundwater); the logistics note says
// "dewatering" once in a short line. Plain BM25 puts the short note above the shoring plan (length
// normalisation); pseudo-relevance feedback (migration 0018) lifts the shoring plan, and never
// brings in the documents that hold none of the asked words.
const DOCS: FixtureDoc[] = [
  {
    path: 'dewatering/plan.md',
    text: '# Dewatering plan\n\nWellpoint dewatering lowers groundwater. The wellpoint header pipe and sump pumps run day and night; header pipe joints and sump pumps are checked daily, groundwater is logged. Wellpoint spacing is 1.5 m.',
  },
  {
    path: 'dewatering/log.md',
    text: '# Wellpoint log\n\nWellpoint header pipe vacuum and sump pumps checked at 7:00; groundwater steady below the dig.',
  },
  {
    path: 'excavation/shoring.md',
    text: '# Shoring plan\n\nGroundwater held by header pipe and sump pumps; dewatering reviewed weekly.',
  },
  { path: 'site/logistics.md', text: '# Logistics\n\nDewatering trucks use the north gate.' },
  { path: 'safety/fall.md', text: '# Fall protection\n\nGuardrail top rail height is 42 inches; harness above 6 feet.' },
  { path: 'quality/pour.md', text: '# Pour checklist\n\nPump truck confirmed and slab reinforcing inspected before each pour.' },
  { path: 'contracts/prime.md', text: '# Prime contract\n\nRetainage is 5% of each pay application.' },
];

function suite(name: string, open: () => Promise<{ db: Database; done: () => Promise<void> }>) {
  describe(`pseudo-relevance feedback on the lexical leg (${name})`, () => {
    let db: Database;
    let done: () => Promise<void>;
    let searcher: HybridSearcher;
    const embedder = new TopicEmbedder();

    beforeAll(async () => {
      ({ db, done } = await open());
      await ensureEmbeddingSpace(db, embedder);
      await ingest({ db, embedder }, new ArraySource(DOCS));
      searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder), DEFAULT_SEARCH_SETTINGS);
    });
    afterAll(() => done());

    it('ranks a passage that shares the best passages’ words above one that only says the asked word', async () => {
      const plain = await db.query<{ chunk_id: string; file_id: string }>(
        `SELECT ls.chunk_id, d.file_id FROM lexical_search($1, 10, NULL, NULL, NULL, NULL, $2::text[]) ls
         JOIN chunks c ON c.id = ls.chunk_id JOIN documents d ON d.id = c.document_id ORDER BY ls.score DESC`,
        ['wellpoint dewatering', [['*']]],
      );
      // the first pass alone: the short note outranks the shoring plan
      expect(plain.rows.map((r) => r.file_id).slice(2)).toEqual(['fixture:site/logistics.md', 'fixture:excavation/shoring.md']);
      for (const mode of ['lexical', 'hybrid'] as const) {
        const r = await searcher.search('wellpoint dewatering', { access: OPERATOR_SCOPE, mode, log: false });
        const lexical = r.chunks
          .filter((c) => c.lexicalRank !== undefined)
          .sort((a, b) => a.lexicalRank! - b.lexicalRank!)
          .map((c) => r.documents.find((d) => d.documentId === c.documentId)!.fileId);
        expect(lexical.slice(2), mode).toEqual(['fixture:excavation/shoring.md', 'fixture:site/logistics.md']);
      }
    });

    it('keeps the coverage of the words asked, and leaves a question without matches alone', async () => {
      const r = await searcher.search('wellpoint dewatering', { access: OPERATOR_SCOPE, mode: 'lexical', log: false });
      const note = r.chunks.find((c) => r.documents.find((d) => d.documentId === c.documentId)!.fileId === 'fixture:site/logistics.md')!;
      const cov = await db.query<{ coverage: number }>(
        `SELECT coverage FROM lexical_search($1, 10, NULL, NULL, NULL, NULL, $2::text[]) WHERE chunk_id = $3`,
        ['wellpoint dewatering', [['*']], note.chunkId],
      );
      expect(note.coverage).toBeCloseTo(cov.rows[0].coverage, 9);
      const none = await searcher.search('zzyzx qwertyuiop', { access: OPERATOR_SCOPE, mode: 'lexical', log: false });
      expect(none.documents).toEqual([]);
    });
  });
}

suite('embedded', async () => {
  const db = await migratedMemoryDb();
  return { db, done: () => db.close() };
});

suite('postgres', async () => {
  const pg = await freshPgDatabase();
  const db = new PostgresDatabase({ url: pg.url, poolSize: 2 });
  await migrate(db);
  return {
    db,
    done: async () => {
      await db.close();
      await pg.drop();
    },
  };
});
