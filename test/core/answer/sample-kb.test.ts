// The shipped knowledge base, the offline embedder and the offline composer, end to end: real
// questions a project manager asks get an answer that cites the document that holds the fact.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { LocalEmbedder } from '../../../src/core/embed/local.js';
import { ensureEmbeddingSpace } from '../../../src/core/embed/space.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { HybridSearcher } from '../../../src/core/search/search.js';
import { RagAnswerer } from '../../../src/core/answer/rag.js';
import { FolderSource } from '../../../src/core/sources/folder.js';
import { migratedMemoryDb } from '../../helpers/db.js';
import { OPERATOR_SCOPE } from '../../../src/core/access/scope.js';

interface Expected {
  question: string;
  document: string;
  fact: string;
  accept: string[];
}
const expected: Expected[] = JSON.parse(readFileSync('samples/eval/answers.json', 'utf8'));

describe('answers from the sample knowledge base (offline composer)', () => {
  let db: Database;
  let rag: RagAnswerer;

  beforeAll(async () => {
    db = await migratedMemoryDb();
    const embedder = new LocalEmbedder();
    await ensureEmbeddingSpace(db, embedder);
    const s = await ingest({ db, embedder }, new FolderSource('samples/knowledge-base'));
    expect(s.failed).toBe(0);
    const searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder));
    rag = new RagAnswerer({ db, searcher, settings: { minConfidence: 0.3, matchCount: 6, timeoutMs: 5000, historyTurns: 3 } });
  }, 300_000);
  afterAll(() => db.close());

  it.each(expected)('$question', async (e) => {
    const a = await rag.answer(e.question, { access: OPERATOR_SCOPE });
    expect(a.noAnswer).toBe(false);
    const cited = [...a.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    const expectedSource = a.sources.find((s) => s.path === e.document);
    expect(expectedSource, `sources: ${a.sources.map((s) => s.path).join(', ')}`).toBeDefined();
    expect(cited).toContain(expectedSource!.n);
    const text = a.answer.toLowerCase();
    expect(
      e.accept.some((x) => text.includes(x.toLowerCase())),
      a.answer,
    ).toBe(true);
  });

  it('says the documents do not cover an off-topic question', async () => {
    for (const q of ['What is the capital of France?', 'recipe for chocolate cake']) {
      const a = await rag.answer(q, { access: OPERATOR_SCOPE });
      expect(a.noAnswer, q).toBe(true);
    }
  });
});
