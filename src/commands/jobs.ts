import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import { jobSchedules } from '../jobs/schedules.js';
import { listJobs } from '../jobs/scheduler.js';

const usage = `trajanus jobs list [--json]     schedules and the last run of each job (from any host)
trajanus jobs run <name> [--json]
                                run a job now, under the same lock as the scheduler, and print
                                its summary (drive-reingest | backup | cache-evict | health-report)`;

const command: Command = {
  usage,
  async run(args) {
    const [sub, name] = args.filter((a) => !a.startsWith('--'));
    const config = loadConfig();
    if (sub === 'list') {
      // Only the database: listing loads neither the embedding model nor Slack's client (`run` does, below).
      const db = await openDatabase(config, { brief: true });
      try {
        const jobs = await listJobs(db, jobSchedules(config), { timezone: config.JOBS_TIMEZONE }).catch((e: { code?: string }) => {
          // undefined_table: a database nothing has started against yet.
          if (e.code === '42P01') throw new Error('job_runs does not exist: run `trajanus migrate` (or start the bot) first');
          throw e;
        });
        if (args.includes('--json')) console.log(JSON.stringify(jobs, null, 2));
        else
          for (const j of jobs) {
            const last = j.lastRun
              ? `${j.lastRun.status} ${j.lastRun.startedAt}${j.lastRun.error ? ` — ${j.lastRun.error}` : ''}`
              : 'never run';
            console.log(`${j.name.padEnd(15)} ${j.schedule.padEnd(14)} next ${j.nextRun ?? '—'}  last: ${last}`);
          }
      } finally {
        await db.close();
      }
      return 0;
    }
    if (sub === 'run' && name) {
      if (!jobSchedules(config).some((j) => j.name === name)) {
        console.error(`Unknown job "${name}".\n\n${usage}`);
        return 2;
      }
      const [{ createServices }, { opsNotifierFromConfig }, { createScheduler }, { formatRunOutcome }] = await Promise.all([
        import('../core/services.js'),
        import('../bot/ops-notifier.js'),
        import('../jobs/index.js'),
        import('../jobs/outcome-text.js'),
      ]);
      const services = await createServices(config);
      try {
        const scheduler = createScheduler(services, opsNotifierFromConfig(config, services.logger));
        const outcome = await scheduler.runNow(name);
        if (args.includes('--json')) console.log(JSON.stringify(outcome, null, 2));
        else (outcome.status === 'ok' ? console.log : console.error)(formatRunOutcome(name, outcome));
        return outcome.status === 'ok' ? 0 : outcome.status === 'skipped' ? 3 : 1;
      } finally {
        await services.close();
      }
    }
    console.error(usage);
    return 2;
  },
};
export default command;
