/** Nightly backup, then retention. Pruning runs only after a backup succeeded (the job throws first). */
import type { Config } from '../config.js';
import type { Database } from '../core/db/types.js';
import { backupDatabase, pruneBackups } from '../core/backup.js';
import type { Job } from './scheduler.js';

export interface BackupJobSummary {
  file: string;
  bytes: number;
  durationMs: number;
  kind: string;
  pruned: string[];
}

type BackupConfig = Pick<
  Config,
  'JOB_BACKUP_CRON' | 'DATABASE_URL' | 'BACKUP_DIR' | 'BACKUP_RETENTION_DAYS' | 'PG_DUMP_PATH' | 'PG_RESTORE_PATH'
>;

export function backupJob(services: { config: BackupConfig; db: Database }): Job<BackupJobSummary> {
  const { config, db } = services;
  return {
    name: 'backup',
    schedule: config.JOB_BACKUP_CRON,
    async run() {
      const b = await backupDatabase({
        db,
        databaseUrl: config.DATABASE_URL,
        dir: config.BACKUP_DIR,
        pgDumpPath: config.PG_DUMP_PATH,
        pgRestorePath: config.PG_RESTORE_PATH,
      });
      const pruned = pruneBackups(config.BACKUP_DIR, config.BACKUP_RETENTION_DAYS);
      return { file: b.file, bytes: b.bytes, durationMs: b.durationMs, kind: b.kind, pruned };
    },
  };
}
