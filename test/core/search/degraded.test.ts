// Search stages that fail do not fail the question: an embeddings API that is down leaves the
// lexical leg (flagged so the answer can say so), and a reranker that fails keeps the fused order.
// Relevance means the same across queries: a nonsense query's top hit has fused score 1 but low relevance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import type { Embedder } from '../../../src/core/embed/types.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { OPERATOR_SCOPE } from '../../../src/core/access/scope.js';
import { RagAnswerer } from '../../../src/core/answer/rag.js';
import { HttpReranker } from '../../../src/core/search/rerank/http.js';
import { DEFAULT_SEARCH_SETTINGS, HybridSearcher } from '../../../src/core/search/search.js';
import { ArraySource, topicDb, type FixtureDoc, type TopicEmbedder } from '../../helpers/corpus.js';
import { startFakeServer, type FakeServer } from '../../fakes/http.js';

const DOCS: FixtureDoc[] = [
  {
    path: 'safety/fall.md',
    text: '# Fall protection\n\nGuardrail top rail height is 42 inches. A harness is worn at an unprotected edge above 6 feet.',
  },
  { path: 'quality/cold.md', text: '# Cold weather concrete\n\nMinimum concrete temperature at placement is 50 degrees for footings.' },
  {
    path: 'quality/pour.md',
    text: '# Pour checklist\n\nBefore each concrete pour the slab reinforcing is inspected and the pump is confirmed.',
  },
  { path: 'procedures/rfi.md', text: '# RFI procedure\n\nThe architect answers a standard RFI within 7 working days.' },
];

/** The embedder once ingest is done: the embeddings API is down. */
class DownEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly maxInputTokens = 512;
  constructor(inner: Embedder) {
    this.id = inner.id;
    this.dimensions = inner.dimensions;
  }
  async embed(): Promise<number[][]> {
    throw new Error('503 Service Unavailable from the embeddings endpoint');
  }
}

describe('degraded search', () => {
  let db: Database;
  let embedder: TopicEmbedder;
  let fake: FakeServer;
  let rerankAnswer: (docs: string[]) => unknown = () => ({});

  beforeAll(async () => {
    ({ db, embedder } = await topicDb());
    await ingest({ db, embedder }, new ArraySource(DOCS));
    fake = await startFakeServer((req, res) => {
      if (req.path !== '/v1/rerank') {
        res.writeHead(404).end();
        return;
      }
      const body = rerankAnswer(req.json.documents);
      res
        .writeHead(body === 'fail' ? 500 : 200, { 'content-type': 'application/json' })
        .end(body === 'fail' ? '{"error":"overloaded"}' : JSON.stringify(body));
    });
  });
  afterAll(async () => {
    await fake.close();
    await db.close();
  });

  it('falls back to the lexical leg and says so when the query cannot be embedded', async () => {
    const searcher = new HybridSearcher(db, new CachedEmbedder(db, new DownEmbedder(embedder)));
    const r = await searcher.search('guardrail height', { access: OPERATOR_SCOPE, log: false });
    expect(r.documents[0].fileId).toBe('fixture:safety/fall.md');
    expect(r.degraded?.lexicalOnly).toMatch(/could not be embedded.*503/);
    expect(r.chunks.every((c) => c.denseRank === undefined)).toBe(true);
    // Dense alone has nothing to fall back to: the error reaches the caller.
    await expect(searcher.search('guardrail height', { access: OPERATOR_SCOPE, mode: 'dense', log: false })).rejects.toThrow(/503/);
    // The answer says so.
    const rag = new RagAnswerer({ db, searcher, settings: { minConfidence: 0.3, matchCount: 4, timeoutMs: 5000, historyTurns: 3 } });
    const a = await rag.answer('How high is the guardrail top rail height?', { access: OPERATOR_SCOPE });
    expect(a.noAnswer).toBe(false);
    expect(a.sources[0].title).toBe('Fall protection');
    expect(a.note).toMatch(/keyword search only/);
    const healthy = await new HybridSearcher(db, new CachedEmbedder(db, embedder)).search('guardrail height', {
      access: OPERATOR_SCOPE,
      log: false,
    });
    expect(healthy.degraded).toBeUndefined();
  });

  it('gives a relevance that is low for a nonsense query although its top fused score is 1', async () => {
    const searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder));
    const good = await searcher.search('guardrail height', { access: OPERATOR_SCOPE, log: false });
    const nonsense = await searcher.search('zorbly fleem quaxx', { access: OPERATOR_SCOPE, log: false });
    expect(nonsense.documents[0].score).toBeCloseTo(1, 6);
    expect(good.documents[0].relevance).toBeGreaterThan(0.6);
    expect(nonsense.documents[0].relevance).toBeLessThan(0.1);
    expect(nonsense.documents[0].relevance).toBeLessThan(good.documents[0].relevance);
    for (const d of good.documents) expect(d.relevance).toBe(Math.max(...d.chunks.map((c) => c.relevance)));
  });

  it('re-orders the fused passages by an HTTP /rerank endpoint, and keeps the fused order when it fails', async () => {
    const settings = { ...DEFAULT_SEARCH_SETTINGS, rerankCandidates: 3 };
    const reranker = new HttpReranker({ url: `${fake.url}/v1/rerank`, model: 'fake-rerank', apiKey: 'sk-rerank-secret' });
    const searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder), settings, undefined, reranker);
    const plain = await new HybridSearcher(db, new CachedEmbedder(db, embedder), settings).search('concrete pour temperature', {
      access: OPERATOR_SCOPE,
      log: false,
    });
    expect(plain.chunks.length).toBeGreaterThan(3);
    // The fake cross-encoder prefers the RFI passage, which the fused order ranks last.
    rerankAnswer = (docs) => ({
      results: docs.map((d, index) => ({ index, relevance_score: d.includes('RFI') ? 0.9 : 0.1 + index / 100 })).reverse(),
    });
    const r = await searcher.search('concrete pour temperature', { access: OPERATOR_SCOPE, log: false });
    const req = fake.requests.at(-1)!;
    expect(req.headers.authorization).toBe('Bearer sk-rerank-secret');
    expect(req.json).toMatchObject({ model: 'fake-rerank', query: 'concrete pour temperature', top_n: 3 });
    expect(req.json.documents).toHaveLength(3);
    const sent = plain.chunks.slice(0, 3).map((c) => c.chunkId);
    // Highest fake score first among the three sent, then the rest in fused order.
    const expected = [...sent]
      .map((id, i) => ({ id, s: plain.chunks[i].content.includes('RFI') ? 0.9 : 0.1 + i / 100 }))
      .sort((a, b) => b.s - a.s)
      .map((x) => x.id);
    expect(r.chunks.map((c) => c.chunkId)).toEqual([...expected, ...plain.chunks.slice(3).map((c) => c.chunkId)]);
    expect(r.chunks[0].rerankScore).toBeCloseTo(
      Math.max(...expected.map((_, i) => (plain.chunks[i].content.includes('RFI') ? 0.9 : 0.1 + i / 100))),
    );
    expect(r.timings.rerankMs).toBeGreaterThanOrEqual(0);

    rerankAnswer = () => 'fail';
    const failed = await searcher.search('concrete pour temperature', { access: OPERATOR_SCOPE, log: false });
    expect(failed.chunks.map((c) => c.chunkId)).toEqual(plain.chunks.map((c) => c.chunkId));
    expect(failed.degraded?.rerank).toMatch(/rerank endpoint http:\/\/127\.0\.0\.1:\d+\/v1\/rerank answered 500/);
    expect(failed.degraded?.rerank).not.toContain('sk-rerank-secret');

    // Text-embeddings-inference's answer shape ([{index, score}]) is read too.
    rerankAnswer = (docs) => docs.map((_, index) => ({ index, score: index }));
    const tei = await searcher.search('concrete pour temperature', { access: OPERATOR_SCOPE, log: false });
    expect(tei.chunks.slice(0, 3).map((c) => c.chunkId)).toEqual([...sent].reverse());
  });
});
