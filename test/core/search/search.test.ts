import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ensureEmbeddingSpace } from '../../../src/core/embed/space.js';
import { toVector } from '../../../src/core/db/vector.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { DEFAULT_SEARCH_SETTINGS, HybridSearcher } from '../../../src/core/search/search.js';
import { OPERATOR_SCOPE } from '../../../src/core/access/scope.js';
import { migratedMemoryDb } from '../../helpers/db.js';
import { migratedPgDb } from '../../helpers/pg.js';
import { ArraySource, TopicEmbedder, type FixtureDoc } from '../../helpers/corpus.js';

const DOCS: FixtureDoc[] = [
  {
    path: 'safety/fall.md',
    category: 'safety',
    docType: 'plan',
    text: '# Fall protection\n\nGuardrail top rail height is 42 inches. A harness is worn at an unprotected edge above 6 feet.',
  },
  {
    path: 'safety/ladder.md',
    category: 'safety',
    docType: 'procedure',
    text: '# Ladders\n\nExtension ladders extend 3 feet above the landing edge and are tied off.',
  },
  {
    path: 'quality/cold.md',
    category: 'quality',
    docType: 'procedure',
    text: '# Cold weather concrete\n\nMinimum concrete temperature at placement is 50 degrees for footings. Cure slabs under blankets.',
  },
  {
    path: 'quality/pour.md',
    category: 'quality',
    docType: 'checklist',
    text: '# Pour checklist\n\nBefore each concrete pour the slab reinforcing is inspected and the pump is confirmed.',
  },
  {
    path: 'procedures/rfi.md',
    category: 'procedures',
    docType: 'procedure',
    text: '# RFI procedure\n\nThe architect answers a standard RFI within 7 working days. Every drawing question goes through an RFI.',
  },
  {
    path: 'schedule/narrative.md',
    category: 'schedule',
    docType: 'schedule',
    text: '# Schedule narrative\n\nSubstantial completion milestone is 2027-06-30; weather delay days are tracked weekly.',
  },
  // Its words are off every topic, so the vector leg ranks it last; only the lexical leg finds "XJ-9000".
  {
    path: 'logs/equipment.txt',
    category: 'logs',
    docType: 'log',
    text: 'Equipment log. Rented the XJ-9000 dewatering unit; crane operator, rigging, load and lift checked, wind low.',
  },
  {
    path: 'contracts/prime.md',
    category: 'contracts',
    docType: 'contract',
    text: '# Prime contract\n\nRetainage is 5% of each pay application until substantial completion.',
  },
];

function suite(name: string, open: () => Promise<{ db: Database; done: () => Promise<void> }>) {
  describe(`hybrid search (${name})`, () => {
    let db: Database;
    let done: () => Promise<void>;
    let searcher: HybridSearcher;
    const embedder = new TopicEmbedder();

    beforeAll(async () => {
      ({ db, done } = await open());
      await ensureEmbeddingSpace(db, embedder);
      const s = await ingest({ db, embedder }, new ArraySource(DOCS));
      expect(s.added).toBe(DOCS.length);
      searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder), { ...DEFAULT_SEARCH_SETTINGS, candidates: 3 });
    });
    afterAll(async () => {
      await searcher.log.flush();
      await done();
    });

    it('keeps BM25 statistics equal to a recount after inserts, updates and deletes', async () => {
      const recount = async () =>
        (
          await db.query<{ bad: number }>(
            `SELECT count(*)::int AS bad FROM (
             SELECT l.lexeme AS term, count(*)::int AS df FROM chunks c, unnest(c.fts) l GROUP BY 1
           ) t FULL JOIN term_stats s USING (term) WHERE t.df IS DISTINCT FROM s.df`,
          )
        ).rows[0].bad;
      expect(await recount()).toBe(0);
      const stats = async () =>
        (await db.query<{ chunks: number; n: number }>('SELECT chunks::int, (SELECT count(*)::int FROM chunks) AS n FROM lexical_stats'))
          .rows[0];
      let s = await stats();
      expect(s.chunks).toBe(s.n);
      await db.query(
        `UPDATE chunks SET content = content || ' extra words here' WHERE chunk_index = 0 AND document_id = (SELECT id FROM documents WHERE file_id = 'fixture:safety/ladder.md')`,
      );
      await db.query(`UPDATE chunks SET token_count = token_count + 1`); // text unchanged: statistics untouched
      expect(await recount()).toBe(0);
      await db.query(`DELETE FROM documents WHERE file_id = 'fixture:safety/ladder.md'`);
      expect(await recount()).toBe(0);
      s = await stats();
      expect(s.chunks).toBe(s.n);
      const postings = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM chunk_terms p LEFT JOIN chunks c ON c.id = p.chunk_id WHERE c.id IS NULL',
      );
      expect(postings.rows[0].n).toBe(0);
      await ingest({ db, embedder }, new ArraySource(DOCS)); // put it back for the other tests
      expect(await recount()).toBe(0);
    });

    it('ranks the document that answers a question first', async () => {
      for (const mode of ['hybrid', 'lexical'] as const) {
        const r = await searcher.search('guardrail height', { access: OPERATOR_SCOPE, mode, log: false });
        expect(r.documents[0].fileId, mode).toBe('fixture:safety/fall.md');
      }
      // The topic embedder cannot tell the two fall-protection documents apart; both lead.
      const dense = await searcher.search('guardrail height', { access: OPERATOR_SCOPE, mode: 'dense', log: false });
      expect(
        dense.documents
          .slice(0, 2)
          .map((d) => d.fileId)
          .sort(),
      ).toEqual(['fixture:safety/fall.md', 'fixture:safety/ladder.md']);
    });

    it('ranks rare terms above common ones (BM25 idf), ORing the words of a question', async () => {
      const r = await searcher.search('what is the retainage on concrete', { access: OPERATOR_SCOPE, mode: 'lexical', log: false });
      expect(r.documents[0].fileId).toBe('fixture:contracts/prime.md');
      expect(r.documents.map((d) => d.fileId)).toEqual(expect.arrayContaining(['fixture:quality/cold.md', 'fixture:quality/pour.md']));
    });

    it('fuses over the union: a keyword-only match the vector leg misses is still found', async () => {
      const dense = await searcher.search('XJ-9000 unit', { access: OPERATOR_SCOPE, mode: 'dense', log: false, matchCount: 3 });
      expect(dense.documents.map((d) => d.fileId)).not.toContain('fixture:logs/equipment.txt');
      const hybrid = await searcher.search('XJ-9000 unit', { access: OPERATOR_SCOPE, log: false });
      expect(hybrid.documents[0].fileId).toBe('fixture:logs/equipment.txt');
      expect(hybrid.chunks[0].lexicalRank).toBe(1);
      expect(hybrid.chunks[0].denseRank ?? Infinity).toBeGreaterThan(3);
    });

    it('supports quoted phrases and -exclusions', async () => {
      const phrase = await searcher.search('"substantial completion"', { access: OPERATOR_SCOPE, mode: 'lexical', log: false });
      expect(phrase.documents.map((d) => d.fileId).sort()).toEqual(['fixture:contracts/prime.md', 'fixture:schedule/narrative.md']);
      const excluded = await searcher.search('substantial completion -retainage', { access: OPERATOR_SCOPE, mode: 'lexical', log: false });
      expect(excluded.documents.map((d) => d.fileId)).toEqual(['fixture:schedule/narrative.md']);
    });

    it('weighs a word said twice in the question twice (query-term frequency, as Lucene does)', async () => {
      const ratio = async (q: string) => {
        const r = await searcher.search(q, { access: OPERATOR_SCOPE, mode: 'lexical', log: false, matchCount: 8 });
        const score = (f: string) =>
          r.chunks.find((c) => c.documentId === r.documents.find((d) => d.fileId === f)!.documentId)!.lexicalScore!;
        return score('fixture:contracts/prime.md') / score('fixture:safety/fall.md');
      };
      expect(await ratio('guardrail retainage, I mean the retainage')).toBeCloseTo(2 * (await ratio('guardrail retainage')), 6);
    });

    it('applies quoted phrases and -exclusions to the fused result, not only to the lexical leg', async () => {
      // The vector leg finds the contract (payment topic) for "retainage pay"; an exclusion of a word it
      // contains must drop it although that leg alone found it.
      const plain = await searcher.search('retainage pay cost', { access: OPERATOR_SCOPE, mode: 'dense', log: false, matchCount: 8 });
      expect(plain.documents.map((d) => d.fileId)).toContain('fixture:contracts/prime.md');
      for (const mode of ['hybrid', 'dense'] as const) {
        const r = await searcher.search('retainage pay cost -substantial', { access: OPERATOR_SCOPE, mode, log: false, matchCount: 8 });
        expect(
          r.documents.map((d) => d.fileId),
          mode,
        ).not.toContain('fixture:contracts/prime.md');
        expect(
          r.documents.map((d) => d.fileId),
          mode,
        ).not.toContain('fixture:schedule/narrative.md');
        expect(r.documents.length, mode).toBeGreaterThan(0);
        const phrase = await searcher.search('"top rail" guardrail ladder edge', {
          access: OPERATOR_SCOPE,
          mode,
          log: false,
          matchCount: 8,
        });
        expect(
          phrase.documents.map((d) => d.fileId),
          mode,
        ).toEqual(['fixture:safety/fall.md']);
      }
    });

    it('filters by category and doc type and still returns k documents', async () => {
      const r = await searcher.search('guardrail height', {
        access: OPERATOR_SCOPE,
        filters: { category: 'quality' },
        matchCount: 2,
        log: false,
      });
      expect(r.documents.map((d) => d.category)).toEqual(['quality', 'quality']);
      const dense = await searcher.search('guardrail height', {
        access: OPERATOR_SCOPE,
        mode: 'dense',
        filters: { category: ['quality', 'contracts'] },
        matchCount: 3,
        log: false,
      });
      expect(dense.documents).toHaveLength(3);
      expect(new Set(dense.documents.map((d) => d.category))).toEqual(new Set(['quality', 'contracts']));
      const typed = await searcher.search('concrete', { access: OPERATOR_SCOPE, filters: { docType: 'checklist' }, log: false });
      expect(typed.documents.map((d) => d.fileId)).toEqual(['fixture:quality/pour.md']);
    });

    it('groups chunk hits into documents without duplicates, best document first', async () => {
      const r = await searcher.search('concrete pour slab', { access: OPERATOR_SCOPE, log: false });
      const ids = r.documents.map((d) => d.documentId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const d of r.documents) {
        expect(d.chunks.length).toBeGreaterThan(0);
        expect(d.chunks.every((c) => c.documentId === d.documentId)).toBe(true);
        expect(d.score).toBe(d.chunks[0].score);
      }
      expect(r.documents.map((d) => d.score)).toEqual([...r.documents.map((d) => d.score)].sort((a, b) => b - a));
    });

    it('applies a minimum score and match_count', async () => {
      const all = await searcher.search('concrete', { access: OPERATOR_SCOPE, log: false, matchCount: 50 });
      const some = await searcher.search('concrete', { access: OPERATOR_SCOPE, log: false, minScore: 0.5 });
      expect(some.documents.length).toBeLessThan(all.documents.length);
      expect(some.documents.every((d) => d.score >= 0.5)).toBe(true);
      expect((await searcher.search('concrete', { access: OPERATOR_SCOPE, log: false, matchCount: 1 })).documents).toHaveLength(1);
    });

    it('logs searches to queries in the background', async () => {
      await searcher.search('crane wind', { access: OPERATOR_SCOPE, userId: 'U1', sessionId: 'C1:1.0' });
      await searcher.log.flush();
      const r = await db.query<{ user_id: string; results_count: number; dims: number }>(
        `SELECT user_id, results_count, vector_dims(query_embedding) AS dims FROM queries WHERE query_text = 'crane wind'`,
      );
      expect(r.rows).toEqual([{ user_id: 'U1', results_count: expect.any(Number), dims: embedder.dimensions }]);
    });

    it("keeps the seed's RPC functions working on top of the new search", async () => {
      const [v] = await embedder.embed(['guardrail height']);
      const h = await db.query<{ title: string; combined_score: number }>('SELECT * FROM hybrid_search($1, $2::vector, 0.5, 0.5, 3)', [
        'guardrail height',
        toVector(v),
      ]);
      expect(h.rows[0].title).toBe('Fall protection');
      const s = await db.query<{ title: string; similarity: number }>('SELECT * FROM search_documents($1::vector, 0.1, 2, $2)', [
        toVector(v),
        'safety',
      ]);
      expect(s.rows.length).toBeGreaterThan(0);
      expect(s.rows.every((r) => r.similarity > 0.1)).toBe(true);
    });
  });
}

suite('embedded', async () => {
  const db = await migratedMemoryDb();
  return { db, done: () => db.close() };
});

suite('postgres', () => migratedPgDb(3));
