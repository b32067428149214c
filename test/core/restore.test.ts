// Restores as they happen in production: into a database whose owner is not a superuser (managed
// Postgres, Supabase: the vector extension belongs to another role), and of a backup the backup job
// made (which holds that job's own run as 'running').
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { backupDatabase, restoreDatabase } from '../../src/core/backup.js';
import { EmbeddedDatabase } from '../../src/core/db/embedded.js';
import { migrate } from '../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../src/core/db/postgres.js';
import type { Database } from '../../src/core/db/types.js';
import { collectHealth } from '../../src/core/health.js';
import { createLogger } from '../../src/core/log.js';
import { backupJob } from '../../src/jobs/backup.js';
import { LogNotifier } from '../../src/jobs/notify.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { counts, pgDumpPath, pgRestorePath, seed, tempDir } from '../helpers/backup.js';
import { freshPgDatabase } from '../helpers/pg.js';

const logger = createLogger('silent');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function admin<T>(dbName: string | null, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(inject('pgUrl'));
  if (dbName) url.pathname = `/${dbName}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A login role without superuser, and a database it owns; `vector` created in it by the superuser, as a platform does. */
async function ownedDatabase(role: string, withVector: boolean): Promise<string> {
  const name = `trajanus_owned_${randomBytes(5).toString('hex')}`;
  await admin(null, (c) => c.query(`CREATE DATABASE ${name} OWNER ${role}`));
  cleanups.push(() => admin(null, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}));
  if (withVector) await admin(name, (c) => c.query('CREATE EXTENSION vector'));
  const url = new URL(inject('pgUrl'));
  url.username = role;
  url.pathname = `/${name}`;
  return url.toString();
}

describe('restore as a database owner who is not a superuser', () => {
  it('restores what the owner owns (the vector extension belongs to the superuser), and refuses clearly when vector is missing', async () => {
    const role = `trajanus_owner_${randomBytes(4).toString('hex')}`;
    await admin(null, (c) => c.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`));
    // Registered first, so it runs last (after the databases it owns are dropped).
    cleanups.unshift(() => admin(null, (c) => c.query(`DROP ROLE IF EXISTS ${role}`)).then(() => {}));
    const url = await ownedDatabase(role, true);
    const db = new PostgresDatabase({ url, poolSize: 2 });
    cleanups.push(() => db.close());
    await migrate(db);
    await seed(db, 3, 2);
    const before = await counts(db);
    const { file } = await backupDatabase({ db, databaseUrl: url, dir: tempDir(), pgDumpPath, pgRestorePath });

    await db.query(`DELETE FROM documents WHERE title = 'Doc 0'`);
    await restoreDatabase({ file, databaseUrl: url, pgRestorePath, confirm: true });
    expect(await counts(db)).toEqual(before);
    // The extension is still the superuser's, untouched.
    const ext = await db.query<{ owner: string }>(
      `SELECT r.rolname AS owner FROM pg_extension e JOIN pg_roles r ON r.oid = e.extowner WHERE e.extname = 'vector'`,
    );
    expect(ext.rows).toEqual([{ owner: new URL(inject('pgUrl')).username }]);

    // Into a database of the same owner without vector: one clear error, and nothing restored.
    const bare = await ownedDatabase(role, false);
    const err = await restoreDatabase({ file, databaseUrl: bare, pgRestorePath, confirm: true }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      new RegExp(
        `needs the PostgreSQL extension "vector", which is not installed in database trajanus_owned_\\w+ and role ${role} cannot create it .*CREATE EXTENSION vector.*Nothing was changed`,
      ),
    );
    const empty = new PostgresDatabase({ url: bare, poolSize: 1 });
    cleanups.push(() => empty.close());
    expect((await empty.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0]!.n).toBe(0);
  });
});

async function backupRuns(db: Database) {
  return (
    await db.query<{ status: string; error: string | null }>(`SELECT status, error FROM job_runs WHERE job = 'backup' ORDER BY started_at`)
  ).rows;
}

describe('a backup made by the backup job, restored', () => {
  const healthOpts = (dir: string) => ({ backupDir: dir, p95WarnMs: 8000, backupWarnHours: 26 });

  it('postgres: the run that wrote it is not reported as failed by the next backup', async () => {
    const target = await freshPgDatabase();
    cleanups.push(target.drop);
    const db = new PostgresDatabase({ url: target.url, poolSize: 3 });
    cleanups.push(() => db.close());
    await migrate(db);
    const dir = tempDir();
    const config = parseConfig({ DATABASE_URL: target.url, BACKUP_DIR: dir, PG_DUMP_PATH: pgDumpPath, PG_RESTORE_PATH: pgRestorePath });
    const scheduler = () => new Scheduler({ db, notifier: new LogNotifier(logger), logger }).register(backupJob({ config, db }));
    const first = await scheduler().runNow('backup');
    expect(first.status).toBe('ok');
    const file = (first as { summary: { file: string } }).summary.file;

    await restoreDatabase({ file, databaseUrl: target.url, pgRestorePath, confirm: true });
    expect(await backupRuns(db)).toEqual([{ status: 'ok', error: null }]);
    expect((await scheduler().runNow('backup')).status).toBe('ok');
    expect(await backupRuns(db)).toEqual([
      { status: 'ok', error: null },
      { status: 'ok', error: null },
    ]);
    expect((await collectHealth(db, healthOpts(dir))).failedJobs24h).toEqual([]);
  });

  it('embedded: the same', async () => {
    const dataDir = tempDir();
    const dir = tempDir();
    let db: Database = await EmbeddedDatabase.open(dataDir);
    await migrate(db);
    const config = parseConfig({ TRAJANUS_DATA_DIR: dataDir, BACKUP_DIR: dir });
    const first = await new Scheduler({ db, notifier: new LogNotifier(logger), logger })
      .register(backupJob({ config, db }))
      .runNow('backup');
    expect(first.status).toBe('ok');
    await db.close();
    await restoreDatabase({ file: (first as { summary: { file: string } }).summary.file, dataDir, pgRestorePath, confirm: true });
    db = await EmbeddedDatabase.open(dataDir);
    try {
      expect(await backupRuns(db)).toEqual([{ status: 'ok', error: null }]);
      expect(
        (await new Scheduler({ db, notifier: new LogNotifier(logger), logger }).register(backupJob({ config, db })).runNow('backup'))
          .status,
      ).toBe('ok');
      expect(await backupRuns(db)).toEqual([
        { status: 'ok', error: null },
        { status: 'ok', error: null },
      ]);
      expect((await collectHealth(db, healthOpts(dir))).failedJobs24h).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
