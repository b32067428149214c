import type { Config } from '../config.js';

/**
 * The jobs' names and schedules, without building services: `trajanus jobs list` needs only these
 * and the database, so it must not load the jobs themselves (ingest, Drive, backups and their imports).
 */
export function jobSchedules(config: Config): { name: string; schedule: string }[] {
  return [
    { name: 'drive-reingest', schedule: config.JOB_DRIVE_REINGEST_CRON },
    { name: 'backup', schedule: config.JOB_BACKUP_CRON },
    { name: 'cache-evict', schedule: config.JOB_CACHE_EVICT_CRON },
    { name: 'health-report', schedule: config.JOB_HEALTH_REPORT_CRON },
  ];
}
