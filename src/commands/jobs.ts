import type { Command } from './types.js';
import { type Config, loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import type { Database } from '../core/db/types.js';
import type { Services } from '../core/services.js';
import { jobSchedules } from '../jobs/schedules.js';
import { listJobs, type Scheduler } from '../jobs/scheduler.js';
import { type CommandOutput, printOutput } from './resident-client.js';

const usage = `trajanus jobs list [--json]     schedules and the last run of each job (from any host)
trajanus jobs run <name> [--json]
                                run a job now, under the same lock as the scheduler, and print
                                its summary (drive-reingest | backup | cache-evict | health-report)
  While \`trajanus start\` runs on the embedded database, it lists and runs them (with its
  configuration; a job it runs goes on if this command is interrupted).`;

/** What `jobs …` asks for, or the usage error it prints (exit 2). */
export function parseJobs(args: string[], config: Config): { sub: 'list' } | { sub: 'run'; name: string } | CommandOutput {
  const [sub, name] = args.filter((a) => !a.startsWith('--'));
  if (sub === 'list') return { sub };
  if (sub === 'run' && name) {
    if (jobSchedules(config).some((j) => j.name === name)) return { sub, name };
    return { code: 2, stdout: '', stderr: `Unknown job "${name}".\n\n${usage}\n` };
  }
  return { code: 2, stdout: '', stderr: `${usage}\n` };
}

export async function listJobsOutput(args: string[], db: Database, config: Config): Promise<CommandOutput> {
  const jobs = await listJobs(db, jobSchedules(config), { timezone: config.JOBS_TIMEZONE }).catch((e: { code?: string }) => {
    // undefined_table: a database nothing has started against yet.
    if (e.code === '42P01') throw new Error('job_runs does not exist: run `trajanus migrate` (or start the bot) first');
    throw e;
  });
  if (args.includes('--json')) return { code: 0, stdout: `${JSON.stringify(jobs, null, 2)}\n`, stderr: '' };
  const lines = jobs.map((j) => {
    const last = j.lastRun ? `${j.lastRun.status} ${j.lastRun.startedAt}${j.lastRun.error ? ` — ${j.lastRun.error}` : ''}` : 'never run';
    return `${j.name.padEnd(15)} ${j.schedule.padEnd(14)} next ${j.nextRun ?? '—'}  last: ${last}\n`;
  });
  return { code: 0, stdout: lines.join(''), stderr: '' };
}

/** A scheduler of its own for a process that has none running (its ops notifier included). */
async function ownScheduler(services: Services): Promise<Scheduler> {
  // Only here: listing loads neither the jobs (ingest, Drive) nor Slack's client.
  const [{ opsNotifierFromConfig }, { createScheduler }] = await Promise.all([
    import('../bot/ops-notifier.js'),
    import('../jobs/index.js'),
  ]);
  return createScheduler(services, opsNotifierFromConfig(services.config, services.logger));
}

/** Runs the job `name` now through `scheduler` and reports it. */
export async function runJobOutput(name: string, args: string[], scheduler: Scheduler): Promise<CommandOutput> {
  const { formatRunOutcome } = await import('../jobs/outcome-text.js');
  const outcome = await scheduler.runNow(name);
  const code = outcome.status === 'ok' ? 0 : outcome.status === 'skipped' ? 3 : 1;
  if (args.includes('--json')) return { code, stdout: `${JSON.stringify(outcome, null, 2)}\n`, stderr: '' };
  const text = `${formatRunOutcome(name, outcome)}\n`;
  return outcome.status === 'ok' ? { code, stdout: text, stderr: '' } : { code, stdout: '', stderr: text };
}

/**
 * `jobs …` on these services: what the running bot does for a served request. A job runs on the
 * bot's own scheduler when it has one, so that its shutdown waits for the run (JOB_SHUTDOWN_GRACE_MS)
 * and a run already going there is reported as skipped rather than started twice.
 */
export async function jobsOutput(args: string[], services: Services, scheduler?: Scheduler): Promise<CommandOutput> {
  const req = parseJobs(args, services.config);
  if ('code' in req) return req;
  if (req.sub === 'list') return listJobsOutput(args, services.db, services.config);
  return runJobOutput(req.name, args, scheduler ?? (await ownScheduler(services)));
}

const command: Command = {
  usage,
  async run(args) {
    const config = loadConfig();
    const req = parseJobs(args, config);
    if ('code' in req) return printOutput(req);
    if (req.sub === 'list') {
      const db = await openDatabase(config, { brief: true });
      try {
        return printOutput(await listJobsOutput(args, db, config));
      } finally {
        await db.close();
      }
    }
    const { createServices } = await import('../core/services.js');
    const services = await createServices(config);
    try {
      return printOutput(await runJobOutput(req.name, args, await ownScheduler(services)));
    } finally {
      await services.close();
    }
  },
};
export default command;
