// Switching embedders: ingest with one fake embedder, then reembed with another of a different
// dimension. Every chunk ends up with the new model's vector, the index is back, search works.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/core/db/types.js';
import { CachedEmbedder } from '../../src/core/embed/cache.js';
import { EmbedderMismatchError, ensureEmbeddingSpace } from '../../src/core/embed/space.js';
import type { Embedder } from '../../src/core/embed/types.js';
import { ingest } from '../../src/core/ingest/index.js';
import { planReembed, reembed, type ReembedProgress } from '../../src/core/reembed.js';
import { HybridSearcher } from '../../src/core/search/search.js';
import { OPERATOR_SCOPE } from '../../src/core/access/scope.js';
import { FolderSource } from '../../src/core/sources/folder.js';
import { migratedMemoryDb } from '../helpers/db.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';

/** Deterministic unit vectors from a hash of (id, text): no model. */
class FakeEmbedder implements Embedder {
  readonly maxInputTokens = 128;
  calls = 0;
  texts = 0;
  constructor(
    readonly id: string,
    readonly dimensions: number,
  ) {}
  async embed(texts: string[]): Promise<number[][]> {
    this.calls++;
    this.texts += texts.length;
    return texts.map((t) => {
      const v: number[] = [];
      for (let i = 0; v.length < this.dimensions; i++) {
        const h = createHash('sha256').update(`${this.id}|${i}|${t}`).digest();
        for (const b of h) if (v.length < this.dimensions) v.push(b / 255 - 0.5);
      }
      const n = Math.hypot(...v) || 1;
      return v.map((x) => x / n);
    });
  }
}

/** Distinct sentences, so that no two chunks share a text (the cache would count them once). */
const sentences = (subject: string, rest: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${subject} number ${i + 1} ${rest}.`).join(' ');

describe('reembed()', () => {
  let db: Database;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trajanus-reembed-'));
    mkdirSync(join(dir, 'safety'));
    writeFileSync(
      join(dir, 'safety', 'crane-lift-plan.md'),
      `# Crane lifts\n\n${sentences('Crane lift', 'needs a lift plan, a signaller and an exclusion zone', 40)}\n`,
    );
    writeFileSync(
      join(dir, 'rfi-procedure.md'),
      `# RFI procedure\n\n${sentences('Request for information', 'is answered within five working days', 30)}\n`,
    );
    writeFileSync(join(dir, 'weekly-minutes.md'), '# Weekly meeting\n\nThe concrete pour for level 3 moved to Friday.\n');
    db = await migratedMemoryDb();
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('switches every chunk to the new model and dimension; search still works', async () => {
    const a = new FakeEmbedder('fake-a', 8);
    await ensureEmbeddingSpace(db, a);
    const first = await ingest({ db, embedder: a }, new FolderSource(dir));
    expect(first).toMatchObject({ added: 3, failed: 0 });
    const chunks = first.chunks;
    expect(chunks).toBeGreaterThan(3);

    const b = new FakeEmbedder('fake-b', 16);
    // The product refuses the new embedder until reembed runs.
    await expect(ensureEmbeddingSpace(db, b)).rejects.toBeInstanceOf(EmbedderMismatchError);
    expect(await planReembed(db, b)).toMatchObject({
      from: { model: 'fake-a', dimensions: 8 },
      to: { model: 'fake-b', dimensions: 16 },
      chunks,
      pending: chunks,
      switching: true,
    });

    const progress: ReembedProgress[] = [];
    const summary = await reembed(db, new CachedEmbedder(db, b), { batchSize: 4, onProgress: (p) => progress.push(p) });
    expect(summary).toMatchObject({ reembedded: chunks, embedded: chunks, cache_hits: 0, batches: Math.ceil(chunks / 4) });
    expect(progress.at(-1)).toMatchObject({ done: chunks, total: chunks });
    expect(b.texts).toBe(chunks);

    const rows = (
      await db.query<{ model: string; dims: number; n: number }>(
        'SELECT embedding_model AS model, vector_dims(embedding) AS dims, count(*)::int AS n FROM chunks GROUP BY 1, 2',
      )
    ).rows;
    expect(rows).toEqual([{ model: 'fake-b', dims: 16, n: chunks }]);
    expect((await db.query('SELECT model, dimensions FROM embedding_space')).rows).toEqual([{ model: 'fake-b', dimensions: 16 }]);
    expect((await db.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'idx_chunks_embedding_hnsw'`)).rows).toHaveLength(1);
    await ensureEmbeddingSpace(db, b); // the new embedder is now accepted

    // The vectors are the new model's: embedding the same texts through the cache is all hits.
    const cached = new CachedEmbedder(db, b);
    const searcher = new HybridSearcher(db, cached);
    for (const mode of ['dense', 'hybrid', 'lexical'] as const) {
      const r = await searcher.search('crane lift plan signaller', { access: OPERATOR_SCOPE, mode, log: false });
      expect(r.documents.length, mode).toBeGreaterThan(0);
      if (mode !== 'dense') expect(r.documents[0].fileId).toBe('folder:safety/crane-lift-plan.md');
    }
    // Dense search with a chunk's own text finds that chunk first (the vectors are fake-b's).
    const one = (
      await db.query<{ id: string; context: string; content: string }>('SELECT id, context, content FROM chunks ORDER BY id LIMIT 1')
    ).rows[0];
    const r = await searcher.search(`${one.context}\n\n${one.content}`, { access: OPERATOR_SCOPE, mode: 'dense', log: false });
    expect(r.chunks[0].chunkId).toBe(one.id);
    expect(r.chunks[0].denseScore).toBeCloseTo(1, 5);

    // Nothing left to do; a second run is a no-op.
    expect(await planReembed(db, b)).toMatchObject({ switching: false, pending: 0 });
    const again = await reembed(db, b);
    expect(again).toMatchObject({ reembedded: 0, embedded: 0 });
  });
});

describe('trajanus reembed / search (CLI): local → OpenAI-compatible', () => {
  const BIN = resolve(import.meta.dirname, '../../bin/trajanus.mjs');
  let dir: string;
  let openai: FakeOpenAI;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trajanus-reembed-cli-'));
    mkdirSync(join(dir, 'kb'));
    writeFileSync(
      join(dir, 'kb', 'crane-lift-plan.md'),
      '# Crane lifts\n\nEvery crane lift needs a lift plan, a signaller and an exclusion zone.\n',
    );
    writeFileSync(
      join(dir, 'kb', 'rfi-procedure.md'),
      '# RFI procedure\n\nRequests for information are answered within five working days.\n',
    );
    openai = await startFakeOpenAI();
  });
  afterAll(async () => {
    await openai?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // Async execFile: the fake OpenAI server answers from this process while the CLI runs.
  const cli = async (env: Record<string, string>, ...args: string[]) => {
    const base: NodeJS.ProcessEnv = { ...process.env, TRAJANUS_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent', ...env };
    delete base.DATABASE_URL;
    delete base.OPENAI_API_KEY;
    return promisify(execFile)(process.execPath, [BIN, ...args], { env: base, cwd: dir, timeout: 120_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  };
  const local = { EMBEDDING_PROVIDER: 'local' };
  const remote = () => ({ EMBEDDING_PROVIDER: 'openai', EMBEDDING_BASE_URL: openai.baseURL, EMBEDDING_DIMENSIONS: '16' });

  it('refuses the new embedder until reembed --yes, then searches with it', async () => {
    expect((await cli(local, 'ingest', join(dir, 'kb'), '--json')).code).toBe(0);

    const refused = await cli(remote(), 'search', 'crane');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/reembed/);

    const plan = await cli(remote(), 'reembed');
    expect(plan.code).toBe(1);
    expect(plan.stdout).toMatch(/local:use-lite \(512 dims\) → openai:text-embedding-3-small@16 \(16 dims\)/);
    expect(openai.embeddingRequests()).toHaveLength(0);

    const done = await cli(remote(), 'reembed', '--yes', '--json');
    expect(done.code).toBe(0);
    const summary = JSON.parse(done.stdout);
    expect(summary).toMatchObject({
      done: true,
      to: { model: 'openai:text-embedding-3-small@16', dimensions: 16 },
      from: { model: 'local:use-lite' },
    });
    expect(summary.reembedded).toBe(summary.chunks);

    const search = await cli(remote(), 'search', 'crane lift plan', '--json', '-k', '1');
    expect(search.code).toBe(0);
    const result = JSON.parse(search.stdout);
    expect(result.documents).toHaveLength(1);
    expect(result.documents[0]).toMatchObject({ fileId: 'folder:crane-lift-plan.md' });
    expect(result.documents[0].chunks[0]).toHaveProperty('lexicalRank', 1);

    const text = await cli(remote(), 'search', 'crane lift plan', '--mode', 'lexical');
    expect(text.stdout).toMatch(/1\. Crane lifts\s+matches 100% of the query\s+lexical #1 \(BM25 \d+\.\d\d\)\s+dense –/);
    expect((await cli(remote(), 'reembed')).stdout).toMatch(/Nothing to do/);
  }, 300_000); // seven CLI processes, each booting PGlite
});
