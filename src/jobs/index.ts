/** The four periodic jobs, registered with their configured schedules. */
import type { Services } from '../core/services.js';
import type { Notifier } from './notify.js';
import { Scheduler } from './scheduler.js';
import { driveReingestJob } from './drive-reingest.js';
import { backupJob } from './backup.js';
import { cacheEvictJob } from './cache-evict.js';
import { healthReportJob } from './health-report.js';

export { Scheduler, listJobs, type Job, type JobContext, type RunOutcome } from './scheduler.js';
export { LogNotifier, type Notifier } from './notify.js';
export { jobSchedules } from './schedules.js';

export function createScheduler(services: Services, notifier: Notifier): Scheduler {
  return new Scheduler({ db: services.db, notifier, logger: services.logger, timezone: services.config.JOBS_TIMEZONE })
    .register(driveReingestJob(services))
    .register(backupJob(services))
    .register(cacheEvictJob(services))
    .register(healthReportJob(services));
}
