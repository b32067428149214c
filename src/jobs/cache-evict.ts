/** Keeps embeddings_cache bounded; the policy (and why) is in core/embed/evict.ts. */
import type { Config } from '../config.js';
import type { Database } from '../core/db/types.js';
import { cacheEvict, type CacheEvictResult } from '../core/embed/evict.js';
import type { Job } from './scheduler.js';

/** Rows per DELETE statement: a few MB of WAL each, short enough not to stall ingest's inserts. */
export const CACHE_EVICT_BATCH = 5000;

export function cacheEvictJob(services: {
  config: Pick<Config, 'JOB_CACHE_EVICT_CRON' | 'CACHE_EVICT_DAYS' | 'CACHE_MAX_ROWS'>;
  db: Database;
}): Job<CacheEvictResult> {
  const { config, db } = services;
  return {
    name: 'cache-evict',
    schedule: config.JOB_CACHE_EVICT_CRON,
    run: () =>
      cacheEvict(db, {
        maxAgeDays: config.CACHE_EVICT_DAYS,
        maxRows: config.CACHE_MAX_ROWS,
        batchSize: CACHE_EVICT_BATCH,
        keepCurrentModel: true,
      }),
  };
}
