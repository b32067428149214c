/**
 * The operator's view of the knowledge base — sizes, latency, feedback, cache, backups, ingests,
 * failed jobs. Core: no Slack, no cron. The health-report job renders `collectHealth` into Block
 * Kit; `trajanus health` prints it.
 */
import type { Queryable } from './db/types.js';
import { latestBackup } from './backup.js';
import { ABANDONED_ERROR, ingestRunning } from './ingest/runs.js';
import { accessHealth, accessWarnings, type AccessHealth } from './access/report.js';

export interface HealthOptions {
  backupDir: string;
  /** Warn when the answer p95 (ms) of the last 24 h is above this. */
  p95WarnMs: number;
  /** Warn when the newest backup is older than this many hours (or there is none). */
  backupWarnHours: number;
  now?: Date;
}

export interface FailedJob {
  job: string;
  error: string | null;
  at: string;
}

export interface Health {
  at: string;
  documents: number;
  chunks: number;
  databaseBytes: number;
  vectorIndex: { present: boolean; valid: boolean };
  /** Queries (search + answer) logged in the last 24 h. */
  queries24h: number;
  /** Latency percentiles of the last 24 h, over answers when there are any, else over all queries. */
  p50Ms: number | null;
  p95Ms: number | null;
  latencyBasis: 'answer' | 'all';
  /** Share of the last 24 h's answers that said the documents do not cover the question; null without answers. */
  noAnswerRate: number | null;
  /** Thumbs given in the last 24 h. */
  feedback: { up: number; down: number };
  /** hitRate over the last INGEST_RUNS_FOR_HIT_RATE ingest runs; null when they embedded nothing. */
  cache: { rows: number; hitRate: number | null };
  lastBackup: { file: string; ageHours: number } | null;
  lastIngest: {
    source: string;
    status: string;
    startedAt: string;
    finishedAt: string | null;
    summary: unknown;
    error: string | null;
  } | null;
  failedJobs24h: FailedJob[];
  /** Documents nobody may see because their sharing or a group could not be read (counts only). */
  access: AccessHealth;
  warnings: string[];
}

/** Enough runs to smooth out one small incremental sync, few enough to reflect the present. */
const INGEST_RUNS_FOR_HIT_RATE = 10;

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function collectHealth(db: Queryable, opts: HealthOptions): Promise<Health> {
  const now = opts.now ?? new Date();
  // Every window is relative to `now`, passed in, so tests (and reports for a past day) are exact.
  const since = new Date(now.getTime() - 24 * 3_600_000);

  // Separate small statements rather than one giant one: each is readable, and the whole report
  // is a handful of index scans once a day.
  const sizes = await db.query<{ documents: number; chunks: number; bytes: number }>(
    `SELECT (SELECT count(*) FROM documents)::int AS documents,
            (SELECT count(*) FROM chunks)::int AS chunks,
            pg_database_size(current_database())::float8 AS bytes`,
  );
  // to_regclass respects search_path, like the CREATE INDEX in configure_embedding_space did.
  // indisvalid is false after a failed CREATE INDEX CONCURRENTLY: present but unused by the planner.
  const idx = await db.query<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass('idx_chunks_embedding_hnsw')`,
  );
  const q = await db.query<{ total: number; answers: number; no_answers: number }>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE kind = 'answer')::int AS answers,
            count(*) FILTER (WHERE kind = 'answer' AND no_answer)::int AS no_answers
       FROM queries WHERE created_at > $1 AND created_at <= $2`,
    [since, now],
  );
  const { total, answers, no_answers } = q.rows[0] ?? { total: 0, answers: 0, no_answers: 0 };
  // Answer latency is what users feel; plain searches (bench, `trajanus search`) only count when
  // there were no answers at all, so an idle day still shows something.
  const latencyBasis: Health['latencyBasis'] = answers > 0 ? 'answer' : 'all';
  const lat = await db.query<{ p50: number | null; p95: number | null }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY execution_time_ms)::float8 AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY execution_time_ms)::float8 AS p95
       FROM queries
      WHERE created_at > $1 AND created_at <= $2 AND execution_time_ms IS NOT NULL AND ($3 OR kind = 'answer')`,
    [since, now, latencyBasis === 'all'],
  );
  const fb = await db.query<{ up: number; down: number }>(
    `SELECT count(*) FILTER (WHERE value = 1)::int AS up, count(*) FILTER (WHERE value = -1)::int AS down
       FROM feedback WHERE created_at > $1 AND created_at <= $2`,
    [since, now],
  );
  const cacheRows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM embeddings_cache`);
  // The cache keeps no hit counter of its own across processes; ingest summaries do.
  const hit = await db.query<{ hits: number; embedded: number }>(
    `SELECT coalesce(sum((summary->>'cache_hits')::int), 0)::int AS hits,
            coalesce(sum((summary->>'embedded')::int), 0)::int AS embedded
       FROM (SELECT summary FROM ingest_runs WHERE summary IS NOT NULL AND finished_at IS NOT NULL
              ORDER BY started_at DESC LIMIT ${INGEST_RUNS_FOR_HIT_RATE}) r`,
  );
  const ing = await db.query<{
    source: string;
    status: string;
    started_at: Date;
    finished_at: Date | null;
    summary: unknown;
    error: string | null;
  }>(`SELECT source, status, started_at, finished_at, summary, error FROM ingest_runs ORDER BY started_at DESC LIMIT 1`);
  const failed = await db.query<{ job: string; error: string | null; started_at: Date }>(
    `SELECT job, error, started_at FROM job_runs
      WHERE status = 'failed' AND started_at > $1 AND started_at <= $2 ORDER BY started_at DESC LIMIT 20`,
    [since, now],
  );

  // A 'running' row whose source's ingest lock nobody holds is a run whose process died: say so,
  // rather than "running" for ever (the next run of that source closes the row as abandoned).
  const lastRow = ing.rows[0];
  if (lastRow?.status === 'running' && !(await ingestRunning(db, lastRow.source)))
    Object.assign(lastRow, { status: 'abandoned', error: ABANDONED_ERROR });

  const backup = latestBackup(opts.backupDir);
  const s = sizes.rows[0]!;
  const { hits, embedded } = hit.rows[0] ?? { hits: 0, embedded: 0 };
  const last = ing.rows[0];
  const health: Health = {
    at: now.toISOString(),
    documents: num(s.documents),
    chunks: num(s.chunks),
    databaseBytes: num(s.bytes),
    vectorIndex: { present: idx.rows.length > 0, valid: idx.rows[0]?.valid === true },
    queries24h: num(total),
    p50Ms: numOrNull(lat.rows[0]?.p50),
    p95Ms: numOrNull(lat.rows[0]?.p95),
    latencyBasis,
    noAnswerRate: answers > 0 ? no_answers / answers : null,
    feedback: { up: num(fb.rows[0]?.up), down: num(fb.rows[0]?.down) },
    cache: { rows: num(cacheRows.rows[0]?.n), hitRate: hits + embedded > 0 ? hits / (hits + embedded) : null },
    lastBackup: backup ? { file: backup.file, ageHours: (now.getTime() - backup.createdAt.getTime()) / 3_600_000 } : null,
    lastIngest: last
      ? {
          source: last.source,
          status: last.status,
          startedAt: iso(last.started_at),
          finishedAt: last.finished_at ? iso(last.finished_at) : null,
          summary: last.summary,
          error: last.error,
        }
      : null,
    failedJobs24h: failed.rows.map((r) => ({ job: r.job, error: r.error, at: iso(r.started_at) })),
    access: await accessHealth(db),
    warnings: [],
  };
  health.warnings = healthWarnings(health, opts);
  return health;
}

/** Pure, so each rule is testable on a hand-built Health. */
export function healthWarnings(h: Health, opts: Pick<HealthOptions, 'p95WarnMs' | 'backupWarnHours'>): string[] {
  const w: string[] = [];
  if (!h.lastBackup) w.push('No backup found');
  else if (h.lastBackup.ageHours > opts.backupWarnHours)
    w.push(`No backup in ${opts.backupWarnHours} h (last one is ${Math.round(h.lastBackup.ageHours)} h old)`);
  if (h.lastIngest && (h.lastIngest.status === 'failed' || h.lastIngest.status === 'partial'))
    w.push(`Last ingest (${h.lastIngest.source}) ${h.lastIngest.status}${h.lastIngest.error ? `: ${h.lastIngest.error}` : ''}`);
  if (h.lastIngest && (h.lastIngest.status === 'abandoned' || h.lastIngest.status === 'interrupted'))
    w.push(
      `Last ingest (${h.lastIngest.source}) was interrupted (${h.lastIngest.status === 'abandoned' ? (h.lastIngest.error ?? 'its process ended') : 'stopped'}, ` +
        `started ${h.lastIngest.startedAt.slice(0, 16).replace('T', ' ')} UTC); the next \`trajanus ingest\` or start resumes it`,
    );
  if (h.p95Ms !== null && h.p95Ms > opts.p95WarnMs) w.push(`p95 latency ${Math.round(h.p95Ms)} ms is above ${opts.p95WarnMs} ms`);
  // Before the first embedding space there is nothing to index; after it, no index means seq scans.
  if (!h.vectorIndex.present && h.chunks > 0) w.push('Vector index idx_chunks_embedding_hnsw is missing');
  else if (h.vectorIndex.present && !h.vectorIndex.valid)
    w.push('Vector index idx_chunks_embedding_hnsw is invalid (rebuild it with REINDEX)');
  if (h.failedJobs24h.length) w.push(`${h.failedJobs24h.length} failed job run(s) in 24 h`);
  if (h.access) w.push(...accessWarnings(h.access));
  return w;
}

// ---------------------------------------------------------------------------------------------
// presentation shared by `trajanus health` and the health-report job, so both show the same figures

export const formatBytes = (n: number): string => {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
};
export const formatMs = (ms: number | null): string => (ms === null ? '—' : `${Math.round(ms)} ms`);
export const formatRate = (r: number | null): string => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`);
export const formatHours = (h: number): string => (h < 48 ? `${Math.round(h * 10) / 10} h` : `${Math.round(h / 24)} d`);

/** [label, value] pairs in display order. */
export function healthFigures(h: Health): [string, string][] {
  const idx = !h.vectorIndex.present ? 'missing' : h.vectorIndex.valid ? 'valid' : 'INVALID';
  const ingest = h.lastIngest
    ? `${h.lastIngest.status} (${h.lastIngest.source}${h.lastIngest.finishedAt ? `, ${h.lastIngest.finishedAt.slice(0, 16).replace('T', ' ')} UTC` : h.lastIngest.status === 'running' ? ', running' : `, started ${h.lastIngest.startedAt.slice(0, 16).replace('T', ' ')} UTC`})`
    : 'never';
  return [
    ['Documents', String(h.documents)],
    ['Chunks', String(h.chunks)],
    ['Database size', formatBytes(h.databaseBytes)],
    ['Vector index', idx],
    ['Queries (24 h)', String(h.queries24h)],
    [`p50 / p95 (${h.latencyBasis === 'answer' ? 'answers' : 'all queries'})`, `${formatMs(h.p50Ms)} / ${formatMs(h.p95Ms)}`],
    ['No-answer rate', formatRate(h.noAnswerRate)],
    ['Feedback (24 h)', `👍 ${h.feedback.up} · 👎 ${h.feedback.down}`],
    ['Embedding cache', `${h.cache.rows} rows, hit rate ${formatRate(h.cache.hitRate)}`],
    ['Last backup', h.lastBackup ? `${formatHours(h.lastBackup.ageHours)} ago` : 'none'],
    ['Last ingest', ingest],
    ['Failed jobs (24 h)', String(h.failedJobs24h.length)],
    [
      'Hidden by access',
      h.access
        ? `${h.access.unreadable.reduce((n, x) => n + x.documents, 0)} unreadable sharing, ${h.access.unresolvedGroups.length} unresolved group(s)`
        : '—',
    ],
  ];
}

/** Plain text for the terminal. */
export function formatHealth(h: Health): string {
  // The backup's path gets a labelled line of its own under its age, where an operator looks for it.
  const figures = healthFigures(h).flatMap((f): [string, string][] =>
    f[0] === 'Last backup' && h.lastBackup ? [f, ['Backup file', h.lastBackup.file]] : [f],
  );
  const width = Math.max(...figures.map(([l]) => l.length));
  const lines = figures.map(([l, v]) => `${l.padEnd(width)}  ${v}`);
  for (const f of h.failedJobs24h) lines.push(`  ✗ ${f.job} at ${f.at}: ${f.error ?? ''}`);
  lines.push('', h.warnings.length ? h.warnings.map((w) => `⚠ ${w}`).join('\n') : 'No warnings.');
  return lines.join('\n');
}
