// A run whose process died stays 'running' in ingest_runs: health tells it from a live one by the
// source's ingest lock (pg_locks), on the embedded database and on a real Postgres, and the next
// run of that source closes it as abandoned.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectHealth } from '../../src/core/health.js';
import { migrate } from '../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../src/core/db/postgres.js';
import type { Database } from '../../src/core/db/types.js';
import { closeAbandonedRuns, ingestLockName, ingestRunning, startRun } from '../../src/core/ingest/runs.js';
import { migratedMemoryDb } from '../helpers/db.js';
import { freshPgDatabase } from '../helpers/pg.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function abandonedAndLive(db: Database) {
  const backupDir = mkdtempSync(join(tmpdir(), 'trajanus-runs-'));
  cleanups.push(() => rmSync(backupDir, { recursive: true, force: true }));
  const opts = { backupDir, p95WarnMs: 1000, backupWarnHours: 26 };
  await startRun(db, 'folder');

  // Nobody holds the lock: the process that wrote 'running' is gone.
  expect(await ingestRunning(db, 'folder')).toBe(false);
  const dead = await collectHealth(db, opts);
  expect(dead.lastIngest?.status).toBe('abandoned');
  expect(dead.warnings.join('\n')).toMatch(/Last ingest \(folder\) was interrupted \(the process ended during the run.*resumes it/);

  // A live run holds it: still running, no warning.
  await db.withAdvisoryLock(ingestLockName('folder'), async () => {
    expect(await ingestRunning(db, 'folder')).toBe(true);
    const live = await collectHealth(db, opts);
    expect(live.lastIngest?.status).toBe('running');
    expect(live.warnings.join('\n')).not.toMatch(/ingest/);
  });

  expect(await closeAbandonedRuns(db, 'folder')).toBe(1);
  const row = (await db.query<{ status: string; finished_at: Date | null }>('SELECT status, finished_at FROM ingest_runs')).rows[0];
  expect(row.status).toBe('abandoned');
  expect(row.finished_at).not.toBeNull();
}

describe('an ingest run abandoned by a dead process', () => {
  it('is told from a live one on the embedded database', async () => {
    const db = await migratedMemoryDb();
    cleanups.push(() => db.close());
    await abandonedAndLive(db);
  });

  it('is told from a live one on a real Postgres', async () => {
    const pg = await freshPgDatabase();
    cleanups.push(pg.drop);
    const db = new PostgresDatabase({ url: pg.url, poolSize: 4 });
    cleanups.push(() => db.close());
    await migrate(db);
    await abandonedAndLive(db);
  });
});
