import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { Database } from '../../src/core/db/types.js';
import { createLogger } from '../../src/core/log.js';
import { cacheEvict } from '../../src/core/embed/evict.js';
import { cacheEvictJob } from '../../src/jobs/cache-evict.js';
import { LogNotifier } from '../../src/jobs/notify.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { migratedMemoryDb } from '../helpers/db.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

let db: Database;
beforeAll(async () => {
  db = await migratedMemoryDb();
  await db.query(`SELECT configure_embedding_space('model-current', 3)`);
});
afterAll(() => db.close());

/** name → [model, days since last access] */
const ROWS: Record<string, [string, number]> = {
  'cur-1d': ['model-current', 1],
  'cur-2d': ['model-current', 2],
  'cur-3d': ['model-current', 3],
  'cur-4d': ['model-current', 4],
  'cur-5d': ['model-current', 5],
  'cur-100d': ['model-current', 100], // stale: past maxAgeDays whatever the model
  'old-0d': ['model-previous', 0], // fresher than every current row, yet trimmed first
  'old-6d': ['model-previous', 6],
  'old-200d': ['model-previous', 200], // stale
};

beforeEach(async () => {
  await db.query('DELETE FROM embeddings_cache');
  for (const [hash, [model, age]] of Object.entries(ROWS))
    await db.query(`INSERT INTO embeddings_cache (text_hash, model, embedding, last_accessed) VALUES ($1, $2, '[1,2,3]', $3)`, [
      hash,
      model,
      daysAgo(age),
    ]);
});

const remaining = async () =>
  (await db.query<{ text_hash: string }>('SELECT text_hash FROM embeddings_cache ORDER BY text_hash')).rows.map((r) => r.text_hash);

describe('cacheEvict', () => {
  it('deletes stale rows of any model, then trims other models before the current one, then least recently used', async () => {
    // 9 rows, 2 stale → 7; trim to 4: both previous-model rows, then the oldest current one.
    const r = await cacheEvict(db, { maxAgeDays: 90, maxRows: 4, batchSize: 1, keepCurrentModel: true, now: NOW });
    expect(r).toEqual({ deletedStale: 2, deletedOverflow: 3 });
    expect(await remaining()).toEqual(['cur-1d', 'cur-2d', 'cur-3d', 'cur-4d']);
  });

  it('with batches larger than the work, and nothing to trim', async () => {
    const r = await cacheEvict(db, { maxAgeDays: 90, maxRows: 100, batchSize: 1000, keepCurrentModel: true, now: NOW });
    expect(r).toEqual({ deletedStale: 2, deletedOverflow: 0 });
    expect(await remaining()).toEqual(['cur-1d', 'cur-2d', 'cur-3d', 'cur-4d', 'cur-5d', 'old-0d', 'old-6d']);
  });

  it('keepCurrentModel: false trims by access time alone', async () => {
    const r = await cacheEvict(db, { maxAgeDays: 90, maxRows: 4, batchSize: 2, keepCurrentModel: false, now: NOW });
    expect(r).toEqual({ deletedStale: 2, deletedOverflow: 3 });
    expect(await remaining()).toEqual(['cur-1d', 'cur-2d', 'cur-3d', 'old-0d']);
  });

  it('runs as the cache-evict job with the configured limits', async () => {
    // CACHE_MAX_ROWS is at least 1000, so only the age rule bites here (with the real clock: the
    // 100- and 200-day rows are stale now too, the rest were accessed "days before 2024-06-01").
    const config = parseConfig({ CACHE_EVICT_DAYS: '90', CACHE_MAX_ROWS: '1000' });
    const logger = createLogger('silent');
    const s = new Scheduler({ db, notifier: new LogNotifier(logger), logger }).register(cacheEvictJob({ config, db }));
    const outcome = await s.runNow('cache-evict');
    expect(outcome.status).toBe('ok');
    const stale = Object.values(ROWS).filter(([, age]) => daysAgo(age).getTime() < Date.now() - 90 * 86_400_000).length;
    expect(outcome.status === 'ok' && outcome.summary).toEqual({ deletedStale: stale, deletedOverflow: 0 });
  });
});
