// scripts/backup_database.sh against the real PostgreSQL 15: it writes the same named, verified
// backup as the app and prunes by the same rule (the timestamp in our exact file names), so the
// script and the backup job delete the same files.
import { execFile } from 'node:child_process';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { backupTimestamp } from '../../src/core/backup.js';
import { migrate } from '../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../src/core/db/postgres.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { pgDumpPath, pgRestorePath, tempDir } from '../helpers/backup.js';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/backup_database.sh');
const RESTORE = resolve(import.meta.dirname, '../../scripts/restore_database.sh');
const day = 86_400_000;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('scripts/backup_database.sh', () => {
  it('backs up, then prunes exactly what the app prunes: by the name, not the file date; never a foreign file', async () => {
    const pg = await freshPgDatabase();
    cleanups.push(pg.drop);
    const source = new PostgresDatabase({ url: pg.url, poolSize: 1 });
    await migrate(source);
    await source.close();
    const dir = tempDir('trajanus-script-backups-');
    const now = Date.now();
    const name = (daysAgo: number, ext = 'dump') => `trajanus-${backupTimestamp(new Date(now - daysAgo * day))}.${ext}`;
    const at = (f: string, daysAgo: number) => {
      writeFileSync(join(dir, f), 'x');
      const t = new Date(now - daysAgo * day);
      utimesSync(join(dir, f), t, t);
    };
    // Named 45 days ago but copied here today (fresh mtime): retention goes by the name.
    const oldByName = name(45);
    at(oldByName, 0);
    // Named 3 days ago, file date 60 days ago (restored from tape): kept.
    const recentByName = name(3, 'pglite.tar.gz');
    at(recentByName, 60);
    // Not ours, however old.
    const foreign = ['trajanus-notes.partial', 'trajanus-notes.dump', 'other-20200101T000000Z.dump'];
    for (const f of foreign) at(f, 90);
    // Our own interrupted backup from two days ago goes.
    const stalePartial = `${name(2)}.partial`;
    at(stalePartial, 2);

    const { stdout } = await promisify(execFile)('bash', [SCRIPT], {
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: pg.url,
        BACKUP_DIR: dir,
        BACKUP_RETENTION_DAYS: '30',
        PG_DUMP_PATH: pgDumpPath,
        PG_RESTORE_PATH: pgRestorePath,
      },
      timeout: 120_000,
    });
    const written = /backup: (\S+)/.exec(stdout)![1]!;
    expect(written).toMatch(/\/trajanus-\d{8}T\d{6}Z\.dump$/);
    expect(stdout).toContain(`deleted: ${oldByName}`);
    expect(stdout).toContain(`deleted: ${stalePartial}`);
    expect(readdirSync(dir).sort()).toEqual([...foreign, recentByName, written.split('/').pop()!].sort());

    // scripts/restore_database.sh puts it into another database (through the app's own restore).
    const target = await freshPgDatabase();
    cleanups.push(target.drop);
    const restored = await promisify(execFile)('bash', [RESTORE, written, '--yes'], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', DATABASE_URL: target.url, PG_RESTORE_PATH: pgRestorePath },
      timeout: 120_000,
    });
    expect(restored.stdout).toContain(`restored ${written}`);
    const db = new PostgresDatabase({ url: target.url, poolSize: 1 });
    try {
      expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM schema_migrations`)).rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });
});
