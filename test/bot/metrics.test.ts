import { describe, expect, it } from 'vitest';
import { createBotMetrics, registerServiceMetrics } from '../../src/bot/metrics.js';
import { migratedMemoryDb } from '../helpers/db.js';

describe('service metrics on /metrics', () => {
  it('reports embedding cache hits/misses, retrieval latency and job runs by status from job_runs', async () => {
    const db = await migratedMemoryDb();
    try {
      await db.query(
        `INSERT INTO job_runs (job, status) VALUES ('backup', 'ok'), ('backup', 'ok'), ('backup', 'failed'), ('cache-evict', 'ok')`,
      );
      const totals = { hits: 7, misses: 3 };
      const m = createBotMetrics();
      registerServiceMetrics(m.registry, {
        cache: () => totals,
        jobRuns: async () =>
          (
            await db.query<{ job: string; status: string; runs: number }>(
              'SELECT job, status, count(*)::int AS runs FROM job_runs GROUP BY 1, 2',
            )
          ).rows,
      });
      m.retrieval(0.042);
      const text = await m.render();
      expect(text).toMatch(/trajanus_embedding_cache_texts\{result="hit"\} 7/);
      expect(text).toMatch(/trajanus_embedding_cache_texts\{result="miss"\} 3/);
      expect(text).toMatch(/trajanus_job_runs\{job="backup",status="ok"\} 2/);
      expect(text).toMatch(/trajanus_job_runs\{job="backup",status="failed"\} 1/);
      expect(text).toMatch(/trajanus_retrieval_latency_seconds_count 1/);
      totals.hits = 9;
      expect(await m.render()).toMatch(/trajanus_embedding_cache_texts\{result="hit"\} 9/);
    } finally {
      await db.close();
    }
  });
});
