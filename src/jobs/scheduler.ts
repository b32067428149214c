/**
 * Runs the periodic jobs: node-cron decides *when*, a Postgres advisory lock decides *who* (with
 * two bot replicas on one database, exactly one runs a given job; the other skips without a trace),
 * and job_runs records what happened. A failure is posted to the ops channel at once; a success is
 * quiet unless the job has a report (the daily health report).
 */
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Database, Queryable } from '../core/db/types.js';
import { ConnectionLostError, isConnectionLost } from '../core/db/connection.js';
import type { Logger } from '../core/log.js';
import type { Notifier, NotifierMessage } from './notify.js';

export interface JobContext {
  db: Database;
  logger: Logger;
  /**
   * Aborted when stop()'s grace period ends, or when the connection holding the job's lock is lost
   * (a database restart): long jobs check it between steps and stop.
   */
  signal: AbortSignal;
  /** The job_runs row of this run. */
  runId: string;
}

/** Whatever the job returns; stored as job_runs.summary (jsonb). */
export type JobSummary = object;

export interface Job<S extends JobSummary = JobSummary> {
  name: string;
  /** A cron expression (5 or 6 fields), or 'off'. */
  schedule: string;
  run(ctx: JobContext): Promise<S>;
  /** When present, posted after every successful run. */
  report?: (summary: S) => NotifierMessage;
}

export type RunOutcome =
  | { status: 'ok'; runId: string; summary: JobSummary }
  | { status: 'failed'; runId?: string; error: string }
  /** locked: another process (or scheduler) holds the job's lock; running: already running here; stopping: stop() was called. */
  | { status: 'skipped'; reason: 'locked' | 'running' | 'stopping' };

export interface SchedulerOptions {
  db: Database;
  notifier: Notifier;
  logger: Logger;
  /** IANA zone of the cron expressions (JOBS_TIMEZONE). */
  timezone?: string;
  /** Recorded in job_runs.host and alerts; defaults to os.hostname(). */
  host?: string;
}

export const lockName = (job: string) => `job:${job}`;

export class Scheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly tasks: ScheduledTask[] = [];
  /** In-process runs, by job name: stop() waits for these, and a second runNow does not queue behind one. */
  private readonly running = new Map<string, { promise: Promise<RunOutcome>; runId?: string }>();
  private readonly abort = new AbortController();
  private stopping = false;
  private readonly host: string;
  /** Ends of runs that could not be written (the database was down): retried until they are. */
  private readonly unrecorded = new Map<string, { status: 'ok' | 'failed'; summary: unknown; error: string | null }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RECORD_RETRY_MIN_MS;

  constructor(private readonly opts: SchedulerOptions) {
    this.host = opts.host ?? hostname();
  }

  register(job: Job<any>): this {
    if (this.jobs.has(job.name)) throw new Error(`Job "${job.name}" is registered twice`);
    // Fail at start, naming the variable's value, rather than at the first tick that never comes.
    if (job.schedule !== 'off' && !cron.validate(job.schedule))
      throw new Error(`Job "${job.name}": invalid cron expression "${job.schedule}"`);
    this.jobs.set(job.name, job);
    return this;
  }

  list(): Job[] {
    return [...this.jobs.values()];
  }

  get(name: string): Job | undefined {
    return this.jobs.get(name);
  }

  start(): void {
    if (this.stopping) throw new Error('Scheduler was stopped');
    const { logger, timezone } = this.opts;
    // A run a killed process left 'running' is closed now, not at that job's next tick (a day later).
    void closeAbandonedRuns(this.opts.db, [...this.jobs.keys()]).catch((err) => logger.warn({ err }, 'could not close abandoned job runs'));
    for (const job of this.jobs.values()) {
      if (job.schedule === 'off') {
        logger.info({ job: job.name }, 'job disabled (schedule "off")');
        continue;
      }
      const task = cron.schedule(
        job.schedule,
        async () => {
          await this.runNow(job.name);
        },
        {
          name: `trajanus:${job.name}`,
          timezone,
          // A run still going at the next tick (a slow full Drive sync) is not started twice here;
          // across processes the advisory lock does the same.
          noOverlap: true,
          logger: cronLogger(logger),
        },
      );
      this.tasks.push(task);
      logger.info({ job: job.name, schedule: job.schedule, timezone, next: task.getNextRun()?.toISOString() }, 'job scheduled');
    }
  }

  /** Runs a job now (cron ticks call this too). Never throws: the outcome says what happened. */
  async runNow(name: string): Promise<RunOutcome> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`Unknown job "${name}" (jobs: ${[...this.jobs.keys()].join(', ')})`);
    if (this.stopping) return { status: 'skipped', reason: 'stopping' };
    if (this.running.has(name)) {
      this.opts.logger.debug({ job: name }, 'job already running in this process: skipped');
      return { status: 'skipped', reason: 'running' };
    }
    const entry: { promise: Promise<RunOutcome>; runId?: string } = { promise: Promise.resolve({ status: 'skipped', reason: 'running' }) };
    entry.promise = this.execute(job, (id) => (entry.runId = id));
    this.running.set(name, entry);
    try {
      return await entry.promise;
    } finally {
      this.running.delete(name);
    }
  }

  private async execute(job: Job, onRunId: (id: string) => void): Promise<RunOutcome> {
    const { db, logger } = this.opts;
    const log = logger.child({ job: job.name });
    let outcome: RunOutcome;
    try {
      const locked = await db.withAdvisoryLock(
        lockName(job.name),
        async (session) => {
          await this.flushUnrecorded().catch((err) => log.warn({ err }, 'earlier runs are still unrecorded'));
          await closeAbandoned(db, job.name);
          const runId = await insertRun(db, job.name, this.host);
          onRunId(runId);
          const started = Date.now();
          const signal = AbortSignal.any([this.abort.signal, session.signal]);
          try {
            const summary = await job.run({ db, logger: log, signal, runId });
            await this.record(runId, 'ok', summary, null, log);
            log.info({ runId, durationMs: Date.now() - started, summary }, 'job finished');
            return { status: 'ok' as const, runId, summary };
          } catch (e) {
            // A job whose lock's connection went away says so first: its own error is often only a consequence.
            const lost = session.signal.aborted && !isConnectionLost(e) ? `${errorText(session.signal.reason)}; then the job failed: ` : '';
            const error = lost + errorText(e);
            await this.record(runId, 'failed', null, error, log);
            log.error({ runId, durationMs: Date.now() - started, err: e }, 'job failed');
            return { status: 'failed' as const, runId, error };
          }
        },
        { wait: false },
      );
      if (!locked.acquired) {
        log.debug('job is running elsewhere (lock held): skipped');
        return { status: 'skipped', reason: 'locked' };
      }
      outcome = locked.result;
    } catch (e) {
      // The database itself failed (lock, insert, or recording success): nothing may be recorded, so alerting matters more.
      outcome = { status: 'failed', error: errorText(e) };
      log.error({ err: e }, 'job could not be run or recorded');
    }
    // Posted after the lock is released: a slow Slack must not hold the job's lock.
    if (outcome.status === 'failed') await this.notify(failureMessage(job.name, outcome.error, this.host, outcome.runId), log);
    else if (outcome.status === 'ok' && job.report) {
      let message: NotifierMessage | undefined;
      try {
        message = job.report(outcome.summary);
      } catch (e) {
        log.error({ err: e }, 'job report could not be rendered');
      }
      if (message) await this.notify(message, log);
    }
    return outcome;
  }

  /** Writes a run's end; with the database down, keeps it and retries in the background until it is written. */
  private async record(runId: string, status: 'ok' | 'failed', summary: unknown, error: string | null, log: Logger) {
    try {
      await finishRun(this.opts.db, runId, status, summary, error);
    } catch (e) {
      log.warn({ runId, err: e }, 'could not record the end of the run; retrying until the database is back');
      this.unrecorded.set(runId, { status, summary, error });
      this.scheduleRetry();
    }
  }

  private scheduleRetry() {
    if (this.retryTimer || !this.unrecorded.size) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flushUnrecorded().then(
        () => (this.retryDelayMs = RECORD_RETRY_MIN_MS),
        () => {
          this.retryDelayMs = Math.min(this.retryDelayMs * 2, RECORD_RETRY_MAX_MS);
          this.scheduleRetry();
        },
      );
    }, this.retryDelayMs);
    // Pending records never keep the process alive on their own.
    this.retryTimer.unref();
  }

  /** Throws when the database is still unreachable (the records stay pending). */
  private async flushUnrecorded() {
    for (const [runId, r] of [...this.unrecorded]) {
      await finishRun(this.opts.db, runId, r.status, r.summary, r.error);
      this.unrecorded.delete(runId);
      this.opts.logger.info({ runId, status: r.status }, 'recorded the end of a run once the database was back');
    }
  }

  private async notify(message: NotifierMessage, log: Logger) {
    try {
      await this.opts.notifier.post(message);
    } catch (e) {
      // The run is already recorded; a failed alert is logged, not retried forever.
      log.error({ err: e, text: message.text }, 'could not post to the ops channel');
    }
  }

  /**
   * Stops the cron tasks and waits up to graceMs for running jobs. Runs still going then are
   * signalled to abort and their rows closed as failed (the process is about to exit; if one does
   * finish, its own update wins). Returns the jobs that did not finish in time.
   */
  async stop(graceMs: number): Promise<{ unfinished: string[] }> {
    this.stopping = true;
    for (const task of this.tasks.splice(0)) await Promise.resolve(task.destroy()).catch(() => {});
    clearTimeout(this.retryTimer);
    const pending = [...this.running.entries()];
    if (!pending.length) {
      await this.flushUnrecorded().catch(() => {});
      return { unfinished: [] };
    }
    this.opts.logger.info({ jobs: pending.map(([n]) => n), graceMs }, 'waiting for running jobs');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    await Promise.race([Promise.allSettled(pending.map(([, e]) => e.promise)), timeout]);
    clearTimeout(timer);
    const unfinished = pending.filter(([name]) => this.running.has(name));
    if (unfinished.length) {
      this.abort.abort(new Error('scheduler stopped'));
      for (const [name, e] of unfinished) {
        this.opts.logger.warn({ job: name, graceMs }, 'job still running at shutdown');
        if (e.runId)
          await this.opts.db
            .query(`UPDATE job_runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1 AND status = 'running'`, [
              e.runId,
              `interrupted: still running ${graceMs} ms after shutdown began`,
            ])
            .catch(() => {});
      }
    }
    return { unfinished: unfinished.map(([n]) => n) };
  }
}

const RECORD_RETRY_MIN_MS = 1000;
const RECORD_RETRY_MAX_MS = 30_000;

const ABANDONED = 'abandoned: the process ended during the run';

/** Holding the job's lock, no one else can be running it: a 'running' row left now is from a process that died mid-run. */
async function closeAbandoned(db: Queryable, job: string): Promise<number> {
  return (
    await db.query(`UPDATE job_runs SET status = 'failed', finished_at = now(), error = $2 WHERE job = $1 AND status = 'running'`, [
      job,
      ABANDONED,
    ])
  ).rowCount;
}

/**
 * Closes the runs of `jobs` left 'running' by a process that died, for each job whose lock no one
 * holds (a job running elsewhere keeps its row). Returns how many rows were closed.
 */
export async function closeAbandonedRuns(db: Database, jobs: string[]): Promise<number> {
  const running = await db.query<{ job: string }>(`SELECT DISTINCT job FROM job_runs WHERE status = 'running' AND job = ANY($1::text[])`, [
    jobs,
  ]);
  let closed = 0;
  for (const { job } of running.rows) {
    const r = await db.withAdvisoryLock(lockName(job), () => closeAbandoned(db, job), { wait: false });
    if (r.acquired) closed += r.result;
  }
  return closed;
}

async function insertRun(db: Queryable, job: string, host: string): Promise<string> {
  const r = await db.query<{ id: string }>(`INSERT INTO job_runs (job, status, host) VALUES ($1, 'running', $2) RETURNING id`, [job, host]);
  return r.rows[0]!.id;
}

async function finishRun(db: Queryable, id: string, status: 'ok' | 'failed', summary: unknown, error: string | null) {
  await db.query(`UPDATE job_runs SET status = $2, finished_at = now(), summary = $3::jsonb, error = $4 WHERE id = $1`, [
    id,
    status,
    summary === null || summary === undefined ? null : JSON.stringify(summary),
    error,
  ]);
}

export function errorText(e: unknown): string {
  if (e instanceof Error && isConnectionLost(e) && !(e instanceof ConnectionLostError)) return `lost the database connection: ${e.message}`;
  if (e instanceof Error) {
    const cause = e.cause instanceof Error && !e.message.includes(e.cause.message) ? ` (${e.cause.message})` : '';
    return `${e.message}${cause}`;
  }
  return String(e);
}

export function failureMessage(job: string, error: string, host: string, runId?: string): NotifierMessage {
  const text = `Job ${job} failed on ${host}: ${error}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:rotating_light: Job *${job}* failed on \`${host}\`` } },
      // A code block: the error is shown as-is, Slack does not format or @-mention from it.
      { type: 'section', text: { type: 'mrkdwn', text: '```' + error.replaceAll('```', "'''").slice(0, 2900) + '```' } },
      ...(runId
        ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `job_runs id ${runId} · \`trajanus jobs run ${job}\` to retry` }] }]
        : []),
    ],
  };
}

function cronLogger(logger: Logger) {
  return {
    info: (m: string) => logger.debug({ cron: true }, m),
    warn: (m: string) => logger.warn({ cron: true }, m),
    error: (m: string | Error, err?: Error) => logger.error({ cron: true, err: err ?? (m instanceof Error ? m : undefined) }, String(m)),
    debug: (m: string | Error) => logger.debug({ cron: true }, String(m)),
  };
}

// ---------------------------------------------------------------------------------------------
// listing

export interface JobListing {
  name: string;
  schedule: string;
  nextRun: string | null;
  lastRun: {
    status: string;
    startedAt: string;
    finishedAt: string | null;
    host: string | null;
    error: string | null;
    summary: unknown;
  } | null;
}

/** Each job's schedule, next tick and last recorded run (from any host); runs a dead process left 'running' are closed first. */
export async function listJobs(
  db: Database,
  jobs: Pick<Job, 'name' | 'schedule'>[],
  opts: { timezone?: string } = {},
): Promise<JobListing[]> {
  await closeAbandonedRuns(
    db,
    jobs.map((j) => j.name),
  );
  const r = await db.query<{
    job: string;
    status: string;
    started_at: Date;
    finished_at: Date | null;
    host: string | null;
    error: string | null;
    summary: unknown;
  }>(
    `SELECT DISTINCT ON (job) job, status, started_at, finished_at, host, error, summary
       FROM job_runs WHERE job = ANY($1::text[]) ORDER BY job, started_at DESC`,
    [jobs.map((j) => j.name)],
  );
  const last = new Map(r.rows.map((x) => [x.job, x]));
  const iso = (d: Date | string) => new Date(d).toISOString();
  return jobs.map((j) => {
    const l = last.get(j.name);
    return {
      name: j.name,
      schedule: j.schedule,
      nextRun: nextRun(j.schedule, opts.timezone),
      lastRun: l
        ? {
            status: l.status,
            startedAt: iso(l.started_at),
            finishedAt: l.finished_at ? iso(l.finished_at) : null,
            host: l.host,
            error: l.error,
            summary: l.summary,
          }
        : null,
    };
  });
}

function nextRun(schedule: string, timezone?: string): string | null {
  if (schedule === 'off' || !cron.validate(schedule)) return null;
  // A task that is created, asked and destroyed without ever being started (getNextRun() is null
  // for a task that is not started; getNextRuns() asks the matcher directly).
  const task = cron.createTask(schedule, () => {}, { timezone });
  try {
    return task.getNextRuns(1)[0]?.toISOString() ?? null;
  } finally {
    void Promise.resolve(task.destroy()).catch(() => {});
  }
}
