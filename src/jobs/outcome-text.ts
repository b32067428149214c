// A job run's outcome as an operator reads it in a terminal (`trajanus jobs run <name>`): one
// status line, then the job's summary as labelled lines. Generic over summaries, which are each
// job's own shape (stored as job_runs.summary); `--json` prints the outcome as it is.
import { formatBytes, formatMs } from '../core/health.js';
import type { RunOutcome } from './scheduler.js';

const SKIP_REASONS = {
  locked: 'another process holds its lock (the bot, or another `jobs run`)',
  running: 'it is already running in this process',
  stopping: 'the scheduler is stopping',
} as const;

/** "cacheHits" / "cache_hits" → "cache hits"; a trailing unit is dropped when the value shows it. */
const label = (key: string) =>
  key
    .replace(/^bytes$/, 'size')
    .replace(/(Ms|Bytes)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();

function value(key: string, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (/Ms$/.test(key)) return formatMs(v);
    if (/^bytes$|Bytes$/.test(key)) return formatBytes(v);
    return v.toLocaleString('en-US');
  }
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' && x ? compact(x) : String(x))).join('\n') : 'none';
  return compact(v as object);
}

const compact = (o: object) =>
  Object.entries(o)
    .map(([k, v]) => `${label(k)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : value(k, v)}`)
    .join(', ');

function summaryLines(summary: object): string[] {
  const rows = Object.entries(summary).map(([k, v]) => [label(k), value(k, v)] as const);
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  // A multi-line value (a list) continues under its first line, indented past the labels.
  return rows.map(([l, v]) => `  ${l.padEnd(width)}  ${v.split('\n').join(`\n  ${''.padEnd(width)}  `)}`);
}

export function formatRunOutcome(job: string, o: RunOutcome): string {
  switch (o.status) {
    case 'ok':
      return [`${job}: done (run ${o.runId})`, ...summaryLines(o.summary)].join('\n');
    case 'failed':
      return `${job}: FAILED${o.runId ? ` (run ${o.runId})` : ''}: ${o.error}`;
    case 'skipped':
      return `${job}: not run: ${SKIP_REASONS[o.reason]}`;
  }
}
