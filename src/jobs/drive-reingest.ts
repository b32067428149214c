/** Hourly by default: the Drive Changes API makes a run with no changes cheap (one list call). */
import type { Services } from '../core/services.js';
import { ingest, type IngestSummary } from '../core/ingest/index.js';
import { driveSourceFromConfig } from '../core/sources/drive.js';
import type { Job } from './scheduler.js';

export type DriveReingestSummary = { skipped: string } | Omit<IngestSummary, 'plan'>;

export function driveReingestJob(services: Pick<Services, 'config' | 'db' | 'cachedEmbedder' | 'logger'>): Job<DriveReingestSummary> {
  const { config } = services;
  return {
    name: 'drive-reingest',
    schedule: config.JOB_DRIVE_REINGEST_CRON,
    async run({ logger }) {
      // Not configured is a normal setup (folder-only teams), not a failure to alert on.
      if (!config.DRIVE_FOLDER_IDS.length && !config.DRIVE_SHARED_DRIVE_IDS.length) return { skipped: 'drive not configured' };
      // Built per run so a credentials fix in the environment needs no code path of its own; a
      // misconfiguration (ids without credentials) throws here and is alerted like any failure.
      const source = driveSourceFromConfig(config);
      const { plan: _plan, ...summary } = await ingest(
        { db: services.db, embedder: services.cachedEmbedder, logger, chunkTokens: config.CHUNK_TOKENS, chunkOverlap: config.CHUNK_OVERLAP },
        source,
      );
      // Files that failed are in summary.errors and ingest_runs ('partial'); the health report warns.
      return summary;
    },
  };
}
