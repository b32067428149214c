// The figures of the App Home tab, in one round trip.
import { sqlScope, type AccessScope } from '../core/access/scope.js';
import type { Queryable } from '../core/db/types.js';

export interface HomeStats {
  documents: number;
  chunks: number;
  /** Finish time of the last successful (or partial) ingest run, else the newest document's ingest time. */
  lastIngestAt: Date | null;
  /** Finish time of the last job_runs row with job='backup' and status='ok'. */
  lastBackupAt: Date | null;
  /** Answered questions (queries.kind='answer') in the last 7 days. */
  questionsThisWeek: number;
  /** Feedback in the last 7 days. */
  thumbsUp: number;
  thumbsDown: number;
  /** thumbsUp / (thumbsUp + thumbsDown), null without feedback. */
  upRatio: number | null;
}

/** The figures for one reader: documents and chunks count only what `access` may open. */
export async function homeStats(db: Queryable, access: AccessScope): Promise<HomeStats> {
  const r = await db.query<{
    documents: number;
    chunks: number;
    last_ingest: Date | string | null;
    last_backup: Date | string | null;
    questions: number;
    up: number;
    down: number;
  }>(
    `SELECT
      (SELECT count(*)::int FROM documents d WHERE access_permits(d.id, $1::text[])) AS documents,
      (SELECT count(*)::int FROM chunks c WHERE access_permits(c.document_id, $1::text[])) AS chunks,
      coalesce(
        (SELECT max(coalesce(finished_at, started_at)) FROM ingest_runs WHERE status IN ('ok', 'partial')),
        (SELECT max(ingested_at) FROM documents)) AS last_ingest,
      (SELECT max(coalesce(finished_at, started_at)) FROM job_runs WHERE job = 'backup' AND status = 'ok') AS last_backup,
      (SELECT count(*)::int FROM queries WHERE kind = 'answer' AND created_at >= now() - interval '7 days') AS questions,
      (SELECT count(*)::int FROM feedback WHERE value = 1 AND created_at >= now() - interval '7 days') AS up,
      (SELECT count(*)::int FROM feedback WHERE value = -1 AND created_at >= now() - interval '7 days') AS down`,
    [sqlScope(access)],
  );
  const row = r.rows[0];
  const date = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v : new Date(v));
  const total = row.up + row.down;
  return {
    documents: row.documents,
    chunks: row.chunks,
    lastIngestAt: date(row.last_ingest),
    lastBackupAt: date(row.last_backup),
    questionsThisWeek: row.questions,
    thumbsUp: row.up,
    thumbsDown: row.down,
    upRatio: total ? row.up / total : null,
  };
}
