/** Hourly by default: the Drive Changes API makes a run with no changes cheap (one list call). */
import { ingestDeps, type Services } from '../core/services.js';
import { ingest, lastFullSync, type IngestSummary } from '../core/ingest/index.js';
import { driveConfigured } from '../core/sources/drive-config.js';
import { loadDriveSource } from '../core/sources/drive-loader.js';
import type { Job } from './scheduler.js';

/**
 * An incremental run only sees what the Changes API reports: its cursor moves past files that
 * failed (a timeout, a too-large export), and it cannot follow a moved folder's files or a
 * shortcut's target. Only a full listing repairs those, so one runs at least this often.
 */
export const FULL_SYNC_EVERY_MS = 24 * 60 * 60 * 1000;

export type DriveReingestSummary = { skipped: string } | (Omit<IngestSummary, 'plan'> & { why: string });

export function driveReingestJob(services: Pick<Services, 'config' | 'db' | 'cachedEmbedder' | 'logger'>): Job<DriveReingestSummary> {
  const { config } = services;
  return {
    name: 'drive-reingest',
    schedule: config.JOB_DRIVE_REINGEST_CRON,
    async run({ logger }) {
      // Not configured is a normal setup (folder-only teams), not a failure to alert on.
      if (!driveConfigured(config)) return { skipped: 'drive not configured' };
      // Built per run so a credentials fix in the environment needs no code path of its own; a
      // misconfiguration (ids without credentials) throws here and is alerted like any failure.
      const source = await loadDriveSource(config);
      const last = await lastFullSync(services.db, source.name);
      const full = !last || Date.now() - last.getTime() >= FULL_SYNC_EVERY_MS;
      // A busy source (the CLI ingesting Drive right now) throws IngestBusyError: reported as a failure.
      const { plan: _plan, ...summary } = await ingest({ ...ingestDeps(services), logger }, source, { full });
      const why = !last
        ? 'full sync: no full sync recorded yet'
        : full
          ? `full sync: the last one (${last.toISOString()}) is over ${FULL_SYNC_EVERY_MS / 3_600_000} h old`
          : summary.mode === 'full'
            ? 'full sync: the change cursor was missing or expired'
            : `incremental: last full sync ${last.toISOString()}`;
      // Files that failed are in summary.errors and ingest_runs ('partial'); the health report warns.
      return { ...summary, why };
    },
  };
}
