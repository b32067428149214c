// Bookkeeping of ingest runs in `ingest_runs`. A run is 'running' while its process works on it;
// a process stopped by a signal records 'interrupted' itself, and one that died (kill -9, power
// loss, a crash) cannot, so its row is recognised by the ingest lock no longer being held and is
// closed as 'abandoned' by the next run of that source (as the job scheduler does for job runs).
import { advisoryKeySql, type Queryable } from '../db/types.js';
import type { IngestSummary } from './types.js';

export type IngestRunStatus = 'running' | 'ok' | 'partial' | 'failed' | 'interrupted' | 'abandoned';

export const ingestLockName = (source: string) => `ingest:${source}`;

export const ABANDONED_ERROR = 'the process ended during the run';

export async function startRun(db: Queryable, source: string): Promise<string> {
  return (await db.query<{ id: string }>(`INSERT INTO ingest_runs (source, status) VALUES ($1, 'running') RETURNING id`, [source])).rows[0]
    .id;
}

export async function finishRun(
  db: Queryable,
  id: string,
  status: Exclude<IngestRunStatus, 'running'>,
  summary: IngestSummary,
  error?: string,
): Promise<void> {
  await db.query(`UPDATE ingest_runs SET finished_at = now(), status = $2, summary = $3::jsonb, error = $4 WHERE id = $1`, [
    id,
    status,
    JSON.stringify(summary),
    error ?? null,
  ]);
}

/** Holding the source's ingest lock, no one else is running it: a 'running' row left now is a dead process's. */
export async function closeAbandonedRuns(db: Queryable, source: string): Promise<number> {
  const r = await db.query(
    `UPDATE ingest_runs SET status = 'abandoned', finished_at = now(), error = $2 WHERE source = $1 AND status = 'running'`,
    [source, ABANDONED_ERROR],
  );
  return r.rowCount;
}

/** Whether some session holds the ingest lock of `source` (read from pg_locks: nothing is taken). */
export async function ingestRunning(db: Queryable, source: string): Promise<boolean> {
  // A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
  const r = await db.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
        AND ((classid::bigint << 32) | objid::bigint) = ${advisoryKeySql}) AS held`,
    [ingestLockName(source)],
  );
  return r.rows[0]?.held === true;
}
