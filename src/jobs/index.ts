/** The four periodic jobs, registered with their configured schedules. */
import type { Config } from '../config.js';
import type { Services } from '../core/services.js';
import type { Notifier } from './notify.js';
import { Scheduler } from './scheduler.js';
import { driveReingestJob } from './drive-reingest.js';
import { backupJob } from './backup.js';
import { cacheEvictJob } from './cache-evict.js';
import { healthReportJob } from './health-report.js';

export { Scheduler, listJobs, type Job, type JobContext, type RunOutcome } from './scheduler.js';
export { LogNotifier, type Notifier } from './notify.js';

export function createScheduler(services: Services, notifier: Notifier): Scheduler {
  return new Scheduler({ db: services.db, notifier, logger: services.logger, timezone: services.config.JOBS_TIMEZONE })
    .register(driveReingestJob(services))
    .register(backupJob(services))
    .register(cacheEvictJob(services))
    .register(healthReportJob(services));
}

/** Names and schedules without building services (for `trajanus jobs list`). */
export function jobSchedules(config: Config): { name: string; schedule: string }[] {
  return [
    { name: 'drive-reingest', schedule: config.JOB_DRIVE_REINGEST_CRON },
    { name: 'backup', schedule: config.JOB_BACKUP_CRON },
    { name: 'cache-evict', schedule: config.JOB_CACHE_EVICT_CRON },
    { name: 'health-report', schedule: config.JOB_HEALTH_REPORT_CRON },
  ];
}
