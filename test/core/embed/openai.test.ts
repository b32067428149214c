import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { OpenAIEmbedder, planBatches } from '../../../src/core/embed/openai.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ensureEmbeddingSpace } from '../../../src/core/embed/space.js';
import { createEmbedder } from '../../../src/core/embed/index.js';
import { parseConfig } from '../../../src/config.js';
import { fakeVector, startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai.js';
import { migratedMemoryDb } from '../../helpers/db.js';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());
afterEach(() => {
  fake.requests.length = 0;
  fake.mutateEmbeddings = undefined;
  fake.failNext(0);
});

const embedder = (o: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}) =>
  new OpenAIEmbedder({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 2, timeoutMs: 10_000, ...o });

describe('OpenAIEmbedder', () => {
  it('names itself and knows the default vector sizes', () => {
    expect(embedder()).toMatchObject({ id: 'openai:text-embedding-3-small', dimensions: 1536, maxInputTokens: 8191 });
    expect(embedder({ model: 'text-embedding-3-large' }).dimensions).toBe(3072);
    expect(embedder({ model: 'text-embedding-ada-002' }).dimensions).toBe(1536);
    expect(embedder({ dimensions: 256 })).toMatchObject({ id: 'openai:text-embedding-3-small@256', dimensions: 256 });
    expect(() => embedder({ model: 'nomic-embed-text' })).toThrow(/EMBEDDING_DIMENSIONS/);
    expect(embedder({ model: 'nomic-embed-text', dimensions: 768 }).id).toBe('openai:nomic-embed-text@768');
  });

  it('splits 3000 inputs into two requests and keeps the input order', async () => {
    const texts = Array.from({ length: 3000 }, (_, i) => `text number ${i}`);
    const vectors = await embedder({ dimensions: 8 }).embed(texts);
    const reqs = fake.embeddingRequests();
    expect(reqs.map((r) => r.json.input.length)).toEqual([2048, 952]);
    expect(reqs[0].headers.authorization).toBe('Bearer sk-test');
    expect(reqs[0].json).toMatchObject({ model: 'text-embedding-3-small', dimensions: 8, encoding_format: 'float' });
    expect(vectors).toHaveLength(3000);
    expect(vectors[0]).toEqual(fakeVector('text number 0', 8));
    expect(vectors[2999]).toEqual(fakeVector('text number 2999', 8));
  });

  it('sorts a response by index', async () => {
    fake.mutateEmbeddings = (b) => b.data.reverse();
    const vectors = await embedder({ dimensions: 4 }).embed(['a', 'b', 'c']);
    expect(vectors).toEqual(['a', 'b', 'c'].map((t) => fakeVector(t, 4)));
  });

  it('does not send dimensions unless configured', async () => {
    const [v] = await embedder().embed(['hello']);
    expect(v).toHaveLength(1536);
    expect(fake.embeddingRequests()[0].json).not.toHaveProperty('dimensions');
  });

  it('splits by estimated tokens too', () => {
    const big = 'word '.repeat(100_000); // ~100k tokens each
    expect(planBatches([big, big, big, 'x']).map((b) => b.length)).toEqual([2, 2]);
    expect(planBatches([])).toEqual([]);
  });

  it('retries a 429 and then succeeds', async () => {
    fake.failNext(2, 429);
    const vectors = await embedder({ dimensions: 8 }).embed(['x', 'y']);
    expect(vectors).toEqual([fakeVector('x', 8), fakeVector('y', 8)]);
    expect(fake.embeddingRequests()).toHaveLength(3);
  });

  it('gives a clear error when 5xx retries are exhausted', async () => {
    fake.failNext(10, 503);
    const err = (await embedder({ dimensions: 8 })
      .embed(['x'])
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('text-embedding-3-small');
    expect(err.message).toContain(`${fake.baseURL}/embeddings`);
    expect(err.message).toMatch(/503/);
    expect((err as Error & { cause: unknown }).cause).toBeInstanceOf(OpenAI.APIError);
    expect(fake.embeddingRequests()).toHaveLength(3); // 1 + maxRetries
  });

  it('rejects a vector of the wrong dimension and a wrong count', async () => {
    fake.mutateEmbeddings = (b) => {
      b.data[1].embedding = b.data[1].embedding.slice(0, 3);
    };
    await expect(embedder({ dimensions: 8 }).embed(['a', 'b'])).rejects.toThrow(
      /text-embedding-3-small at .*\/v1\/embeddings has a vector of 3 dimensions, expected 8/,
    );
    fake.mutateEmbeddings = (b) => {
      b.data.pop();
    };
    await expect(embedder({ dimensions: 8 }).embed(['a', 'b'])).rejects.toThrow(/has 1 vectors for 2 inputs/);
  });

  it('is created from configuration, keyless against a compatible server', async () => {
    const e = createEmbedder(
      parseConfig({
        EMBEDDING_PROVIDER: 'openai',
        EMBEDDING_BASE_URL: fake.baseURL,
        EMBEDDING_MODEL: 'text-embedding-3-small',
        EMBEDDING_DIMENSIONS: '16',
      }),
    );
    expect(e.id).toBe('openai:text-embedding-3-small@16');
    expect(await e.embed(['q'])).toEqual([fakeVector('q', 16)]);
    expect(fake.embeddingRequests()[0].headers.authorization).toBe('Bearer unused');
  });

  it('sits behind the Postgres cache: the second call makes no HTTP request', async () => {
    const db = await migratedMemoryDb();
    try {
      const e = embedder({ dimensions: 8 });
      await ensureEmbeddingSpace(db, e);
      const cached = new CachedEmbedder(db, e);
      const first = await cached.embedMany(['alpha', 'beta', 'alpha']);
      expect(first).toMatchObject({ hits: 0, misses: 3 });
      expect(fake.embeddingRequests()).toHaveLength(1);
      expect(fake.embeddingRequests()[0].json.input).toEqual(['alpha', 'beta']);
      const second = await cached.embedMany(['beta', 'alpha']);
      expect(second).toMatchObject({ hits: 2, misses: 0 });
      expect(fake.embeddingRequests()).toHaveLength(1);
      for (const [i, t] of ['beta', 'alpha'].entries()) second.vectors[i].forEach((x, j) => expect(x).toBeCloseTo(fakeVector(t, 8)[j], 5));
    } finally {
      await db.close();
    }
  });
});
