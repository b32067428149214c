// A PostgreSQL restart under a running bot: the test starts a server of its own and stops it
// (fast and immediate, as pg_ctl does) while a scheduled job holds its advisory lock and while an
// ingest runs. The process must stay up: the run fails cleanly (recorded, alerted), questions get
// an error reply while the server is down and answers once it is back, and the next run resumes.
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createAnswerer } from '../../src/core/answer/index.js';
import { migrate } from '../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../src/core/db/postgres.js';
import { CachedEmbedder } from '../../src/core/embed/cache.js';
import { ensureEmbeddingSpace } from '../../src/core/embed/space.js';
import { ingest } from '../../src/core/ingest/index.js';
import { createLogger } from '../../src/core/log.js';
import { HybridSearcher, searchSettings } from '../../src/core/search/search.js';
import { QuestionHandler } from '../../src/bot/handler.js';
import { SlackOpsNotifier } from '../../src/bot/ops-notifier.js';
import { backupJob } from '../../src/jobs/backup.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { ArraySource, TopicEmbedder } from '../helpers/corpus.js';
import { pgDumpPath, pgRestorePath, tempDir } from '../helpers/backup.js';
import { startOwnPgServer, type OwnPgServer } from '../helpers/pg-server.js';
import { posts, startFakeSlack } from './helpers.js';
import { OPERATOR_SCOPE } from '../../src/core/access/scope.js';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const DOCS = Array.from({ length: 12 }, (_, i) => ({
  path: `site/crane-${i}.md`,
  text: `# Crane lift plan ${i}\n\nThe crane operator checks wind speed before lift ${i}; rigging is inspected and the load chart for lift ${i} is kept in the cab.\n`,
}));

describe('a PostgreSQL restart under the running bot (a server of its own)', () => {
  let server: OwnPgServer;
  let db: PostgresDatabase;
  beforeAll(async () => {
    server = await startOwnPgServer();
    db = new PostgresDatabase({ url: server.url, poolSize: 4 });
    await migrate(db);
  });
  afterAll(async () => {
    await db?.close().catch(() => {});
    await server?.destroy();
  });

  it('fast stop during a backup job: the run fails, is recorded and alerted, the bot answers again, the next run succeeds', async () => {
    const embedder = new TopicEmbedder();
    await ensureEmbeddingSpace(db, embedder);
    await ingest({ db, embedder }, new ArraySource(DOCS));
    const config = parseConfig({
      DATABASE_URL: server.url,
      BACKUP_DIR: tempDir('trajanus-restart-backups-'),
      PG_RESTORE_PATH: pgRestorePath,
      EMBEDDING_PROVIDER: 'local',
      ANSWER_PROVIDER: 'composer',
    });
    const searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder), searchSettings(config), logger);
    const handler = new QuestionHandler({
      answerer: createAnswerer({ config, db, searcher, logger }),
      logger,
      resolveAccess: async () => OPERATOR_SCOPE,
    });
    const ask = () => handler.handle({ text: 'What does the crane operator check before a lift?' });
    expect((await ask()).kind).toBe('answered');

    // pg_dump that waits for the test before it starts: the job holds its lock (one pooled
    // connection) meanwhile, as a long dump does.
    const bin = tempDir('trajanus-restart-bin-');
    const ready = join(bin, 'ready');
    const go = join(bin, 'go');
    const wrapper = join(bin, 'pg_dump');
    writeFileSync(
      wrapper,
      `#!/bin/sh\n[ "$1" = --version ] && exec ${pgDumpPath} --version\ntouch ${ready}\nwhile [ ! -f ${go} ]; do sleep 0.05; done\nexec ${pgDumpPath} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);

    const slack = await startFakeSlack();
    try {
      const notifier = new SlackOpsNotifier({ token: 'xoxb-test', channel: 'COPS1', slackApiUrl: `${slack.url}/api/`, retries: 0 });
      const scheduler = new Scheduler({ db, notifier, logger, host: 'bot-1' }).register(
        backupJob({ config: { ...config, PG_DUMP_PATH: wrapper }, db }),
      );
      const outcome = scheduler.runNow('backup');
      await until('pg_dump to start', async () => existsSync(ready));
      await server.stop('fast');
      writeFileSync(go, '');
      const failed = await outcome;
      if (failed.status !== 'failed') throw new Error(`expected a failed run, got ${JSON.stringify(failed)}`);
      expect(failed.error).toMatch(/^lost the database connection holding the lock "job:backup": .*; then the job failed: pg_dump failed/);

      // Down: the question gets an error reply, the process lives on.
      expect((await ask()).kind).toBe('error');
      // The alert went out although the run could not be recorded yet.
      const [alert] = posts(slack);
      expect(alert!.channel).toBe('COPS1');
      expect(alert!.text).toContain('Job backup failed on bot-1');
      expect(readdirSync(config.BACKUP_DIR)).toEqual([]); // no .partial left behind

      await server.start();
      expect(await until('an answer once the server is back', async () => ((await ask()).kind === 'answered' ? 'yes' : undefined))).toBe(
        'yes',
      );
      // The run's end is written once the database is back (it was kept and retried).
      const row = await until('the failed run to be recorded', async () => {
        const r = await db.query<{ status: string; error: string }>(`SELECT status, error FROM job_runs WHERE job = 'backup' AND id = $1`, [
          failed.runId,
        ]);
        return r.rows[0]?.status === 'failed' ? r.rows[0] : undefined;
      });
      expect(row.error).toBe(failed.error);

      // The next run takes the lock again and succeeds.
      const next = await new Scheduler({ db, notifier, logger, host: 'bot-1' })
        .register(backupJob({ config: { ...config, PG_DUMP_PATH: pgDumpPath }, db }))
        .runNow('backup');
      expect(next.status).toBe('ok');
      expect(readdirSync(config.BACKUP_DIR)).toHaveLength(1);
      await scheduler.stop(1000);
    } finally {
      await slack.close();
    }
  });

  it('immediate stop (a crash) during an ingest: the ingest fails cleanly, the next one resumes and completes', async () => {
    // An embedder that stops at the 4th document until the server has crashed and come back, so
    // the ingest's lock connection is lost while later files still wait.
    const inner = new TopicEmbedder();
    let calls = 0;
    let releaseBlocked!: () => void;
    const blocked = new Promise<void>((r) => (releaseBlocked = r));
    let reachedBlock!: () => void;
    const atBlock = new Promise<void>((r) => (reachedBlock = r));
    const embedder = Object.assign(Object.create(inner) as TopicEmbedder, {
      async embed(texts: string[]) {
        if (++calls === 4) {
          reachedBlock();
          await blocked;
        }
        return inner.embed(texts);
      },
    });
    // Other texts than the first test's, so that every chunk is embedded (none comes from the cache).
    const source = new ArraySource(
      DOCS.map((d, i) => ({
        path: d.path.replace('crane-', 'lift-'),
        text: `# Rigging note ${i}\n\nRigging for load ${i} is inspected by the operator; wind limits for lift ${i} apply.\n`,
      })),
    );
    Object.assign(source, { name: 'restart-folder' });
    const first = ingest({ db, embedder, logger }, source, { concurrency: 1 }).then(
      () => 'completed',
      (e: Error) => e,
    );
    await Promise.race([
      atBlock,
      first.then((r) => Promise.reject(new Error(`the ingest ended before the test could stop the server: ${r}`))),
    ]);
    await server.stop('immediate');
    await server.start();
    releaseBlocked();
    const err = await first;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/lost the database connection holding the lock "ingest:restart-folder"/);

    const stored = async () =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents WHERE source = 'restart-folder'`)).rows[0]!.n;
    const before = await stored();
    expect(before).toBeLessThan(DOCS.length);
    const again = await ingest({ db, embedder: inner, logger }, source);
    expect(again.failed).toBe(0);
    expect(await stored()).toBe(DOCS.length);
    expect(again.unchanged).toBe(before); // what the first run stored is kept, not redone
  });
});
