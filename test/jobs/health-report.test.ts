import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { backupTimestamp } from '../../src/core/backup.js';
import type { Database } from '../../src/core/db/types.js';
import { createLogger } from '../../src/core/log.js';
import { collectHealth, formatHealth, healthWarnings, type Health } from '../../src/core/health.js';
import { SlackOpsNotifier } from '../../src/bot/ops-notifier.js';
import { healthReportJob } from '../../src/jobs/health-report.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import type { FakeServer } from '../fakes/http.js';
import { migratedMemoryDb } from '../helpers/db.js';
import { blocksText, posts, startFakeSlack } from './helpers.js';

let db: Database;
let fake: FakeServer;
const dir = mkdtempSync(join(tmpdir(), 'trajanus-health-'));

beforeAll(async () => {
  db = await migratedMemoryDb();
  fake = await startFakeSlack();
  // Last 24 h: four answers (100…400 ms, one "not covered"), one search (5 s, not an answer);
  // two days ago: a slow answer that must not count.
  const ids: string[] = [];
  for (const [ms, noAnswer] of [
    [100, false],
    [200, false],
    [300, true],
    [400, false],
  ] as const) {
    const r = await db.query<{ id: string }>(
      `INSERT INTO queries (query_text, kind, execution_time_ms, no_answer, created_at) VALUES ('q', 'answer', $1, $2, now() - interval '1 hour') RETURNING id`,
      [ms, noAnswer],
    );
    ids.push(r.rows[0]!.id);
  }
  await db.query(
    `INSERT INTO queries (query_text, kind, execution_time_ms, created_at) VALUES ('s', 'search', 5000, now() - interval '2 hours')`,
  );
  await db.query(
    `INSERT INTO queries (query_text, kind, execution_time_ms, no_answer, created_at) VALUES ('old', 'answer', 99999, true, now() - interval '2 days')`,
  );
  await db.query(`INSERT INTO feedback (query_id, user_id, value) VALUES ($1, 'U1', 1), ($2, 'U1', 1), ($3, 'U2', -1)`, [
    ids[0],
    ids[1],
    ids[2],
  ]);
  // Cache: 2 rows; last ingests embedded 5 texts and hit the cache 15 times → 75 %.
  await db.query(`INSERT INTO embeddings_cache (text_hash, model, embedding) VALUES ('a', 'm', '[1,2]'), ('b', 'm', '[3,4]')`);
  await db.query(
    `INSERT INTO ingest_runs (source, status, started_at, finished_at, summary) VALUES
       ('folder', 'ok', now() - interval '3 hours', now() - interval '3 hours', '{"cache_hits": 12, "embedded": 4}'),
       ('drive', 'partial', now() - interval '1 hour', now() - interval '50 minutes', '{"cache_hits": 3, "embedded": 1}')`,
  );
  await db.query(`INSERT INTO job_runs (job, status, error, finished_at) VALUES ('backup', 'failed', 'pg_dump exploded', now())`);
  // A backup 30 hours old: above the 26-hour warning.
  writeFileSync(join(dir, `trajanus-${backupTimestamp(new Date(Date.now() - 30 * 3_600_000))}.dump`), 'x');
});
afterAll(async () => {
  await fake.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('health', () => {
  it('collects the figures of the last 24 hours', async () => {
    const h = await collectHealth(db, { backupDir: dir, p95WarnMs: 350, backupWarnHours: 26 });
    expect(h).toMatchObject({
      documents: 0,
      chunks: 0,
      queries24h: 5,
      p50Ms: 250,
      p95Ms: 385,
      latencyBasis: 'answer',
      noAnswerRate: 0.25,
      feedback: { up: 2, down: 1 },
      cache: { rows: 2, hitRate: 0.75 },
      vectorIndex: { present: false, valid: false },
      lastIngest: { source: 'drive', status: 'partial', summary: { cache_hits: 3, embedded: 1 } },
      failedJobs24h: [{ job: 'backup', error: 'pg_dump exploded' }],
    });
    expect(h.databaseBytes).toBeGreaterThan(1_000_000);
    expect(h.lastBackup!.ageHours).toBeGreaterThan(29.9);
    expect(h.warnings).toEqual([
      'No backup in 26 h (last one is 30 h old)',
      'Last ingest (drive) partial',
      'p95 latency 385 ms is above 350 ms',
      '1 failed job run(s) in 24 h',
    ]);
    expect(formatHealth(h)).toContain('250 ms / 385 ms');
  });

  it('warns about a missing or invalid vector index and a missing backup', () => {
    const base = {
      chunks: 10,
      vectorIndex: { present: false, valid: false },
      lastBackup: null,
      lastIngest: null,
      p95Ms: null,
      failedJobs24h: [],
    } as unknown as Health;
    const opts = { p95WarnMs: 1000, backupWarnHours: 26 };
    expect(healthWarnings(base, opts)).toEqual(['No backup found', 'Vector index idx_chunks_embedding_hnsw is missing']);
    expect(healthWarnings({ ...base, vectorIndex: { present: true, valid: false } }, opts)).toContain(
      'Vector index idx_chunks_embedding_hnsw is invalid (rebuild it with REINDEX)',
    );
    expect(healthWarnings({ ...base, vectorIndex: { present: true, valid: true } }, opts)).toEqual(['No backup found']);
  });

  it('reads a real vector index as present and valid', async () => {
    const other = await migratedMemoryDb();
    try {
      await other.query(`SELECT configure_embedding_space('m', 2)`);
      const h = await collectHealth(other, { backupDir: dir, p95WarnMs: 1000, backupWarnHours: 26 });
      expect(h.vectorIndex).toEqual({ present: true, valid: true });
      expect(h.p50Ms).toBeNull();
      expect(h.noAnswerRate).toBeNull();
      expect(h.cache.hitRate).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('the health-report job posts the measured figures and warnings to the ops channel', async () => {
    const config = parseConfig({ BACKUP_DIR: dir, HEALTH_P95_WARN_MS: '350' });
    const logger = createLogger('silent');
    const notifier = new SlackOpsNotifier({ token: 'xoxb-test', channel: 'COPS123', slackApiUrl: `${fake.url}/api/`, retries: 0 });
    const s = new Scheduler({ db, notifier, logger }).register(healthReportJob({ config, db }));
    expect((await s.runNow('health-report')).status).toBe('ok');

    const sent = posts(fake);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.channel).toBe('COPS123');
    const text = blocksText(sent[0]!.blocks);
    expect(text).toContain('*Queries (24 h)*\n5');
    expect(text).toContain('250 ms / 385 ms');
    expect(text).toContain('*No-answer rate*\n25%');
    expect(text).toContain('👍 2 · 👎 1');
    expect(text).toContain('2 rows, hit rate 75%');
    expect(text).toContain('30 h ago');
    expect(text).toContain('p95 latency 385 ms is above 350 ms');
    expect(text).toContain('pg_dump exploded');
    expect(sent[0]!.text).toContain('4 warning(s)');
    // The report is also the run's summary.
    const row = await db.query<{ summary: { queries24h: number } }>(`SELECT summary FROM job_runs WHERE job = 'health-report'`);
    expect(row.rows[0]!.summary.queries24h).toBe(5);
  });
});
