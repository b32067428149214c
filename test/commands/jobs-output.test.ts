// `trajanus jobs run` served by a running bot: the job runs on the bot's own scheduler.
import { afterAll, expect, it } from 'vitest';
import { jobsOutput } from '../../src/commands/jobs.js';
import { parseConfig } from '../../src/config.js';
import type { Database } from '../../src/core/db/types.js';
import { createLogger } from '../../src/core/log.js';
import type { Services } from '../../src/core/services.js';
import { LogNotifier } from '../../src/jobs/notify.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { deferred } from '../jobs/helpers.js';
import { migratedMemoryDb } from '../helpers/db.js';

let db: Database | undefined;
afterAll(async () => db?.close());

it("runs a served job on the bot's scheduler, which reports a run already going there as skipped (exit 3), not a second run", async () => {
  db = await migratedMemoryDb();
  const logger = createLogger('silent');
  const config = parseConfig({});
  const release = deferred();
  let runs = 0;
  const scheduler = new Scheduler({ db, notifier: new LogNotifier(logger), logger }).register({
    name: 'cache-evict',
    schedule: 'off',
    async run() {
      runs++;
      await release.promise;
      return { deletedStale: 0 };
    },
  });
  // Only what a served `jobs` reads of the services: run goes through the scheduler given.
  const services = { config, db, logger } as unknown as Services;
  const first = jobsOutput(['run', 'cache-evict'], services, scheduler);
  await new Promise((r) => setTimeout(r, 50));
  const second = await jobsOutput(['run', 'cache-evict'], services, scheduler);
  expect(second.code).toBe(3);
  expect(second.stderr).toMatch(/^cache-evict: not run: it is already running/);
  release.resolve();
  const done = await first;
  expect(done.code, done.stderr).toBe(0);
  expect(done.stdout).toMatch(/^cache-evict: done \(run [0-9a-f-]{36}\)\n/);
  expect(runs).toBe(1);
  await scheduler.stop(1000);
});
