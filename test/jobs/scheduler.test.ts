import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { migrate } from '../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../src/core/db/postgres.js';
import type { Database } from '../../src/core/db/types.js';
import { createLogger } from '../../src/core/log.js';
import { SlackOpsNotifier } from '../../src/bot/ops-notifier.js';
import { backupJob } from '../../src/jobs/backup.js';
import { LogNotifier, type Notifier, type NotifierMessage } from '../../src/jobs/notify.js';
import { listJobs, Scheduler, type Job } from '../../src/jobs/scheduler.js';
import { migratedMemoryDb } from '../helpers/db.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { deferred, posts, startFakeSlack } from './helpers.js';

const logger = createLogger('silent');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

class MemoryNotifier implements Notifier {
  messages: NotifierMessage[] = [];
  async post(m: NotifierMessage) {
    this.messages.push(m);
  }
}

async function jobRuns(db: Database, job: string) {
  return (
    await db.query<{ status: string; error: string | null; summary: unknown; host: string | null }>(
      `SELECT status, error, summary, host FROM job_runs WHERE job = $1 ORDER BY started_at`,
      [job],
    )
  ).rows;
}

describe('Scheduler on a shared Postgres', () => {
  it('runs a job once when two schedulers (two pools, like two replicas) start it at the same moment', async () => {
    const pg = await freshPgDatabase();
    cleanups.push(pg.drop);
    const dbA = new PostgresDatabase({ url: pg.url, poolSize: 3 });
    const dbB = new PostgresDatabase({ url: pg.url, poolSize: 3 });
    cleanups.push(
      () => dbA.close(),
      () => dbB.close(),
    );
    await migrate(dbA);

    let runs = 0;
    const job = (): Job => ({
      name: 'exclusive',
      schedule: 'off',
      async run() {
        runs++;
        await new Promise((r) => setTimeout(r, 400)); // long enough that the two attempts overlap
        return { done: true };
      },
    });
    const a = new Scheduler({ db: dbA, notifier: new MemoryNotifier(), logger, host: 'replica-a' }).register(job());
    const b = new Scheduler({ db: dbB, notifier: new MemoryNotifier(), logger, host: 'replica-b' }).register(job());

    const outcomes = await Promise.all([a.runNow('exclusive'), b.runNow('exclusive')]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['ok', 'skipped']);
    expect(outcomes.find((o) => o.status === 'skipped')).toEqual({ status: 'skipped', reason: 'locked' });
    expect(runs).toBe(1);
    const rows = await jobRuns(dbA, 'exclusive');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'ok', summary: { done: true } });
    expect(['replica-a', 'replica-b']).toContain(rows[0]!.host);

    // Once released, the lock is free again for either of them.
    expect((await b.runNow('exclusive')).status).toBe('ok');
    expect(await jobRuns(dbA, 'exclusive')).toHaveLength(2);
  });

  it('a failing backup job (PG_DUMP_PATH wrong) is recorded and alerted in Slack', async () => {
    const pg = await freshPgDatabase();
    cleanups.push(pg.drop);
    const db = new PostgresDatabase({ url: pg.url, poolSize: 3 });
    cleanups.push(() => db.close());
    await migrate(db);
    const dir = mkdtempSync(join(tmpdir(), 'trajanus-jobs-backup-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const fake = await startFakeSlack();
    cleanups.push(() => fake.close());

    const config = parseConfig({ DATABASE_URL: pg.url, BACKUP_DIR: dir, PG_DUMP_PATH: '/nonexistent/bin/pg_dump' });
    const notifier = new SlackOpsNotifier({ token: 'xoxb-test', channel: 'COPS123', slackApiUrl: `${fake.url}/api/`, retries: 0 });
    const scheduler = new Scheduler({ db, notifier, logger }).register(backupJob({ config, db }));

    const outcome = await scheduler.runNow('backup');
    expect(outcome.status).toBe('failed');
    const [row] = await jobRuns(db, 'backup');
    expect(row).toMatchObject({ status: 'failed' });
    expect(row!.error).toContain('/nonexistent/bin/pg_dump was not found');
    expect(row!.error).toContain('PG_DUMP_PATH');

    const sent = posts(fake);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.channel).toBe('COPS123');
    expect(sent[0]!.text).toContain('backup');
    expect(sent[0]!.text).toContain('/nonexistent/bin/pg_dump was not found');
    expect(JSON.stringify(sent[0]!.blocks)).toContain('PG_DUMP_PATH');
    // Nothing half-written is left for pruning or restore to trip on.
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});

describe('a run left "running" by a killed process (shared Postgres)', () => {
  it('is closed as abandoned when the jobs are listed or the scheduler starts, not at its next run; a run alive elsewhere keeps its row', async () => {
    const pg = await freshPgDatabase();
    cleanups.push(pg.drop);
    const db = new PostgresDatabase({ url: pg.url, poolSize: 3 });
    const other = new PostgresDatabase({ url: pg.url, poolSize: 2 }); // another replica, really running 'busy'
    cleanups.push(
      () => db.close(),
      () => other.close(),
    );
    await migrate(db);
    const running = deferred();
    const holding = deferred();
    const elsewhere = other.withAdvisoryLock('job:busy', async () => {
      holding.resolve();
      await running.promise;
    });
    await holding.promise;
    await db.query(
      `INSERT INTO job_runs (job, status, host) VALUES ('nightly', 'running', 'killed-host'), ('busy', 'running', 'replica-b')`,
    );

    const jobs = [
      { name: 'nightly', schedule: '0 3 * * *' },
      { name: 'busy', schedule: '0 * * * *' },
    ];
    const listing = await listJobs(db, jobs);
    expect(listing.find((j) => j.name === 'nightly')!.lastRun).toMatchObject({
      status: 'failed',
      error: 'abandoned: the process ended during the run',
      host: 'killed-host',
    });
    expect(listing.find((j) => j.name === 'busy')!.lastRun).toMatchObject({ status: 'running', host: 'replica-b' });

    // The scheduler does the same at start (a daily job's next run may be a day away).
    await db.query(`INSERT INTO job_runs (job, status, host) VALUES ('nightly', 'running', 'killed-again')`);
    const scheduler = new Scheduler({ db, notifier: new MemoryNotifier(), logger }).register({
      name: 'nightly',
      schedule: '0 3 * * *',
      run: async () => ({}),
    });
    scheduler.start();
    cleanups.push(async () => void (await scheduler.stop(1000)));
    for (let i = 0; i < 100 && (await jobRuns(db, 'nightly')).some((r) => r.status === 'running'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await jobRuns(db, 'nightly')).map((r) => r.status)).toEqual(['failed', 'failed']);
    expect((await jobRuns(db, 'busy')).map((r) => r.status)).toEqual(['running']);
    running.resolve();
    await elsewhere;
  });
});

describe('Scheduler', () => {
  let db: Database;
  afterAll(async () => {
    await db?.close();
  });

  it('posts a failure to the ops channel at once, with the job name and the error', async () => {
    db = await migratedMemoryDb();
    const fake = await startFakeSlack();
    cleanups.push(() => fake.close());
    const notifier = new SlackOpsNotifier({ token: 'xoxb-test', channel: 'COPS123', slackApiUrl: `${fake.url}/api/`, retries: 0 });
    const scheduler = new Scheduler({ db, notifier, logger, host: 'bot-1' })
      .register({
        name: 'flaky',
        schedule: 'off',
        run: async () => {
          throw new Error('disk on fire: 42 sectors');
        },
      })
      .register({ name: 'quiet', schedule: 'off', run: async () => ({ fine: 1 }) });

    expect(await scheduler.runNow('quiet')).toMatchObject({ status: 'ok', summary: { fine: 1 } });
    expect(posts(fake)).toHaveLength(0); // success without a report is silent

    const outcome = await scheduler.runNow('flaky');
    expect(outcome).toMatchObject({ status: 'failed', error: 'disk on fire: 42 sectors' });
    const sent = posts(fake);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.channel).toBe('COPS123');
    expect(sent[0]!.text).toBe('Job flaky failed on bot-1: disk on fire: 42 sectors');
    expect(JSON.stringify(sent[0]!.blocks)).toContain('disk on fire: 42 sectors');
    expect(fake.requests.find((r) => r.path === '/api/chat.postMessage')!.headers.authorization).toBe('Bearer xoxb-test');
    expect(await jobRuns(db, 'flaky')).toMatchObject([{ status: 'failed', error: 'disk on fire: 42 sectors', host: 'bot-1' }]);
  });

  it('posts a report after a successful run of a job that has one', async () => {
    const notifier = new MemoryNotifier();
    const scheduler = new Scheduler({ db, notifier, logger }).register({
      name: 'reporter',
      schedule: 'off',
      run: async () => ({ n: 7 }),
      report: (s: { n: number }) => ({ text: `n is ${s.n}` }),
    });
    await scheduler.runNow('reporter');
    expect(notifier.messages).toEqual([{ text: 'n is 7' }]);
  });

  it('a failing notifier does not fail the run', async () => {
    const scheduler = new Scheduler({
      db,
      notifier: {
        post: async () => {
          throw new Error('slack down');
        },
      },
      logger,
    }).register({
      name: 'alerting',
      schedule: 'off',
      run: async () => {
        throw new Error('boom');
      },
    });
    expect(await scheduler.runNow('alerting')).toMatchObject({ status: 'failed', error: 'boom' });
  });

  it('stop() waits for a running job, then refuses new runs', async () => {
    const started = deferred();
    const release = deferred();
    const scheduler = new Scheduler({ db, notifier: new LogNotifier(logger), logger }).register({
      name: 'slow',
      schedule: 'off',
      async run() {
        started.resolve();
        await release.promise;
        return { finished: true };
      },
    });
    const run = scheduler.runNow('slow');
    await started.promise;
    expect(await scheduler.runNow('slow')).toEqual({ status: 'skipped', reason: 'running' });

    let stopped = false;
    const stopping = scheduler.stop(10_000).then((r) => {
      stopped = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(stopped).toBe(false); // still waiting for the job
    release.resolve();
    expect(await stopping).toEqual({ unfinished: [] });
    expect(await run).toMatchObject({ status: 'ok' });
    expect(await jobRuns(db, 'slow')).toMatchObject([{ status: 'ok', summary: { finished: true } }]);
    expect(await scheduler.runNow('slow')).toEqual({ status: 'skipped', reason: 'stopping' });
  });

  it('stop() gives up after the grace period, aborts the job and closes its row', async () => {
    const started = deferred();
    const release = deferred();
    let aborted = false;
    const scheduler = new Scheduler({ db, notifier: new LogNotifier(logger), logger }).register({
      name: 'stuck',
      schedule: 'off',
      async run({ signal }) {
        signal.addEventListener('abort', () => (aborted = true));
        started.resolve();
        await release.promise;
        return {};
      },
    });
    const run = scheduler.runNow('stuck');
    await started.promise;
    expect(await scheduler.stop(100)).toEqual({ unfinished: ['stuck'] });
    expect(aborted).toBe(true);
    expect(await jobRuns(db, 'stuck')).toMatchObject([
      { status: 'failed', error: 'interrupted: still running 100 ms after shutdown began' },
    ]);
    release.resolve();
    await run;
  });

  it('closes a run left "running" by a dead process, and lists last runs', async () => {
    await db.query(
      `INSERT INTO job_runs (job, status, host, started_at) VALUES ('listed', 'running', 'dead-host', now() - interval '1 day')`,
    );
    const scheduler = new Scheduler({ db, notifier: new LogNotifier(logger), logger }).register({
      name: 'listed',
      schedule: '*/5 * * * *',
      run: async () => ({ ok: 1 }),
    });
    await scheduler.runNow('listed');
    expect(await jobRuns(db, 'listed')).toMatchObject([
      { status: 'failed', error: 'abandoned: the process ended during the run', host: 'dead-host' },
      { status: 'ok' },
    ]);
    const listing = await listJobs(db, [...scheduler.list(), { name: 'never', schedule: 'off' }]);
    expect(listing[0]).toMatchObject({ name: 'listed', schedule: '*/5 * * * *', lastRun: { status: 'ok', summary: { ok: 1 } } });
    const next = new Date(listing[0]!.nextRun!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime()).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
    expect(next.getUTCMinutes() % 5).toBe(0);
    expect(listing[1]).toEqual({ name: 'never', schedule: 'off', nextRun: null, lastRun: null });
  });

  it('rejects an invalid cron expression at registration', () => {
    const s = new Scheduler({ db, notifier: new LogNotifier(logger), logger });
    expect(() => s.register({ name: 'bad', schedule: 'every day', run: async () => ({}) })).toThrow(/invalid cron expression "every day"/);
  });

  it('start() schedules with node-cron and stop() removes the tasks', async () => {
    const ran = deferred();
    const s = new Scheduler({ db, notifier: new LogNotifier(logger), logger, timezone: 'Europe/Berlin' })
      .register({ name: 'every-second', schedule: '* * * * * *', run: async () => (ran.resolve(), {}) })
      .register({
        name: 'disabled',
        schedule: 'off',
        run: async () => {
          throw new Error('must not run');
        },
      });
    s.start();
    await ran.promise;
    await s.stop(5000);
    expect((await jobRuns(db, 'every-second')).length).toBeGreaterThanOrEqual(1);
    expect(await jobRuns(db, 'disabled')).toEqual([]);
  });
});
