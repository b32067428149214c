import { cpSync, existsSync, openSync, readdirSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { backupDatabase, restoreDatabase } from '../../../src/core/backup.js';
import { BRIEF_SHARED_BUFFERS, EmbeddedDatabase } from '../../../src/core/db/embedded.js';
import { DatabaseDamagedError, DatabaseUnavailableError, openDatabase } from '../../../src/core/db/index.js';
import { migrate } from '../../../src/core/db/migrate.js';
import { counts, pgDumpPath, pgRestorePath, seed, tempDir } from '../../helpers/backup.js';

describe('openDatabase', () => {
  it('fails at once with what to fix, and without the password, when the server cannot be reached', async () => {
    const err = await openDatabase({
      DATABASE_URL: 'postgres://app:s3cret-pw@127.0.0.1:1/trajanus',
      TRAJANUS_DATA_DIR: './unused',
      DATABASE_POOL_SIZE: 1,
      DATABASE_SSL: 'disable',
      DATABASE_STATEMENT_TIMEOUT_MS: 1000,
      BACKUP_DIR: './unused-backups',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toMatch(
      /Cannot reach the database at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/trajanus.*Check DATABASE_URL/,
    );
    expect((err as Error).message).not.toContain('s3cret-pw');
  });

  it("opens the embedded folder of a brief command with a small buffer pool, and the bot's with the default, over the same data", async () => {
    const dir = tempDir('tj-brief-');
    const config = {
      DATABASE_URL: undefined,
      TRAJANUS_DATA_DIR: dir,
      DATABASE_POOL_SIZE: 1,
      DATABASE_SSL: 'disable' as const,
      DATABASE_STATEMENT_TIMEOUT_MS: 1000,
      BACKUP_DIR: join(dir, 'backups'),
    };
    const pool = async (db: Awaited<ReturnType<typeof openDatabase>>) =>
      (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0].shared_buffers;
    const brief = await openDatabase(config, { brief: true });
    expect(await pool(brief)).toBe(BRIEF_SHARED_BUFFERS);
    await brief.exec('CREATE TABLE kept (n int); INSERT INTO kept SELECT generate_series(1, 5000)');
    await brief.close();
    const full = await openDatabase(config);
    expect(await pool(full)).toBe('128MB');
    expect((await full.query<{ n: number }>('SELECT count(*)::int AS n FROM kept')).rows).toEqual([{ n: 5000 }]);
    await full.close();
    // the setting is the process's own: the folder's postgresql.conf is not rewritten
    const again = await openDatabase(config, { brief: true });
    expect(await pool(again)).toBe(BRIEF_SHARED_BUFFERS);
    await again.close();
  });
});

/** Every file under dir with its size and mtime: what "left untouched" means. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${relative(dir, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

function overwrite(file: string, offset: number, bytes: number) {
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(bytes, 0xa5), 0, bytes, offset);
  closeSync(fd);
}

describe('a damaged embedded data folder', () => {
  let good: string;
  let backups: string;
  let backupFile: string;
  let before: Awaited<ReturnType<typeof counts>>;

  beforeAll(async () => {
    good = tempDir('trajanus-damage-');
    backups = tempDir('trajanus-damage-backups-');
    const db = await EmbeddedDatabase.open(good);
    await migrate(db);
    await seed(db, 3, 2);
    before = await counts(db);
    backupFile = (await backupDatabase({ db, dir: backups, pgDumpPath, pgRestorePath })).file;
    await db.close();
  });

  const damaged = (how: (pgdata: string) => void) => {
    const dir = tempDir('trajanus-damaged-');
    cpSync(good, dir, { recursive: true });
    how(join(dir, 'pgdata'));
    return dir;
  };
  const config = (dir: string, backupDir = backups) => parseConfig({ TRAJANUS_DATA_DIR: dir, BACKUP_DIR: backupDir });

  const cases: [string, (pgdata: string) => void][] = [
    ['a missing PG_VERSION (PGlite would initialise an empty database over it)', (p) => rmSync(join(p, 'PG_VERSION'))],
    ['a damaged control file', (p) => overwrite(join(p, 'global/pg_control'), 16, 64)],
    ['a missing control file', (p) => rmSync(join(p, 'global/pg_control'))],
    [
      'a damaged write-ahead log',
      (p) => overwrite(join(p, 'pg_wal', readdirSync(join(p, 'pg_wal')).find((n) => /^[0-9A-F]{24}$/.test(n))!), 0, 4096),
    ],
  ];
  for (const [what, how] of cases)
    it(`stops on ${what}, naming the folder, the last good backup and the restore command, and changes nothing`, async () => {
      const dir = damaged(how);
      const files = snapshot(dir);
      const err = await openDatabase(config(dir)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseDamagedError);
      const message = (err as Error).message;
      expect(message).toContain(`The embedded database in ${join(dir, 'pgdata')} is damaged`);
      expect(message).toContain(`The last good backup is ${backupFile}`);
      expect(message).toContain(`npx trajanus restore ${backupFile} --yes`);
      expect(message).not.toContain('ASSERTIONS');
      expect(snapshot(dir)).toEqual(files);
      expect(existsSync(join(dir, 'trajanus.pid'))).toBe(false);
    });

  it('without a backup it says so and what else to do; the restore it names brings the data back', async () => {
    const dir = damaged((p) => rmSync(join(p, 'PG_VERSION')));
    const err = await openDatabase(config(dir, join(backups, 'none'))).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/No embedded backup was found in BACKUP_DIR .*none.*npx trajanus restore <file> --yes/);

    await restoreDatabase({ file: backupFile, dataDir: dir, pgRestorePath, confirm: true });
    const db = await openDatabase(config(dir));
    try {
      expect(await counts(db)).toEqual(before);
    } finally {
      await db.close();
    }
  });
});
