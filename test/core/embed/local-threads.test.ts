// The local embedder on worker threads gives the same vectors, bit for bit, as in-process, whatever
// the batch layout of the call (texts spanning several batches, calls in parallel), and a failing
// worker rejects the call instead of hanging it.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalEmbedder } from '../../../src/core/embed/local.js';
import { EmbedWorkerPool } from '../../../src/core/embed/worker-pool.js';
import { createEmbedder } from '../../../src/core/embed/index.js';
import { parseConfig } from '../../../src/config.js';

const texts = Array.from({ length: LocalEmbedder.BATCH * 2 + 7 }, (_, i) =>
  i % 9 === 0 ? '' : `Pour ${i}: ${i % 4} trucks, ${(i * 7) % 11} cylinders per truck, slump ${i % 6} in, deck level ${i % 5}.`,
);

describe('LocalEmbedder threads', () => {
  const single = new LocalEmbedder({ threads: 1 });
  const pooled = new LocalEmbedder({ threads: 2 });
  const warmed = new LocalEmbedder({ threads: 1, worker: true });
  afterAll(() => Promise.all([pooled.close(), warmed.close()]));

  it('gives bit-identical vectors on 2 worker threads, on one warmed worker and in-process', async () => {
    warmed.warm();
    expect(warmed.workersStarted).toBe(1); // started before any text, loading its model
    const [a, b, c] = await Promise.all([single.embed(texts), pooled.embed(texts), warmed.embed(texts)]);
    expect(b).toHaveLength(texts.length);
    const firstDiff = (x: number[][]) => a.findIndex((v, i) => v.length !== x[i].length || v.some((n, j) => !Object.is(n, x[i][j])));
    expect(firstDiff(b)).toBe(-1);
    expect(firstDiff(c)).toBe(-1);
    expect(warmed.workersStarted).toBe(1);
    // Parallel calls (ingest embeds up to 4 documents at once) are routed back to their callers.
    const parts = await Promise.all([pooled.embed(texts.slice(0, 3)), pooled.embed(texts.slice(3, 70)), pooled.embed(texts.slice(70))]);
    expect(parts.flat()).toEqual(a);
  }, 300_000);

  it('starts workers on demand: one batch, one worker; parallel batches, up to the limit', async () => {
    const pool = new EmbedWorkerPool(new URL('../../../src/core/embed/local-worker.mjs', import.meta.url), 3);
    try {
      expect(pool.size).toBe(0);
      await pool.run(['hot work permit']);
      await pool.run(['fire watch']);
      expect(pool.size).toBe(1);
      await Promise.all(Array.from({ length: 5 }, (_, i) => pool.run([`pour ${i}`])));
      expect(pool.size).toBe(3);
    } finally {
      await pool.close();
    }
  }, 300_000);

  it('a one-shot command (ask, search) embeds on one worker thread unless EMBEDDING_THREADS is set (1: in-process)', () => {
    const local = (env: Record<string, string>, oneShot: boolean) => createEmbedder(parseConfig(env), { oneShot }) as LocalEmbedder;
    expect(local({}, true)).toMatchObject({ threads: 1, inWorker: true });
    expect(local({ EMBEDDING_THREADS: '1' }, true)).toMatchObject({ threads: 1, inWorker: false });
    expect(local({ EMBEDDING_THREADS: '3' }, true)).toMatchObject({ threads: 3, inWorker: true });
    expect(local({ EMBEDDING_THREADS: '3' }, false)).toMatchObject({ threads: 3, inWorker: true });
  });

  it('rejects the pending call when a worker dies', async () => {
    const pool = new EmbedWorkerPool(new URL('data:text/javascript,process.exit(3)'), 1);
    await expect(pool.run(['x'])).rejects.toThrow(/exited \(code 3\)|failed/);
    // The dead worker is not replaced without limit: a pool of one that lost its worker says so.
    await expect(pool.run(['x'])).rejects.toThrow(/every embedding worker has failed/);
    await pool.close();
  });

  it('an idle pool does not keep a finished process alive (no close() call)', () => {
    const script = `
      import { LocalEmbedder } from './src/core/embed/local.ts';
      await new LocalEmbedder({ threads: 2 }).embed(['hot work permit', 'fire watch']);
      console.log('embedded');`;
    // A kept-alive process is ended by the timeout: status null instead of 0.
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stdout, r.stderr).toContain('embedded');
    expect(r.status).toBe(0);
  });
});
