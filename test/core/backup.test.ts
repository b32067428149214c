import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { backupDatabase, backupTimestamp, latestBackup, listBackups, pruneBackups, restoreDatabase } from '../../src/core/backup.js';
import { EmbeddedDatabase } from '../../src/core/db/embedded.js';
import { migrate } from '../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../src/core/db/postgres.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { counts, pgDumpPath, pgRestorePath, seed, tempDir } from '../helpers/backup.js';

const BIN = resolve(import.meta.dirname, '../../bin/trajanus.mjs');
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('embedded backup and restore', () => {
  it('backs up a data folder and restores it after rows were changed', async () => {
    const dataDir = tempDir();
    const backups = tempDir();
    let db = await EmbeddedDatabase.open(dataDir);
    await migrate(db);
    await seed(db, 3, 4);
    const before = await counts(db);
    expect(before).toMatchObject({ documents: 3, chunks: 12 });
    expect(before.top).toContain('chunk 2 of doc 1');

    const now = new Date('2024-05-06T07:08:09Z');
    const result = await backupDatabase({ db, dir: backups, pgDumpPath, pgRestorePath, now });
    expect(result.kind).toBe('embedded');
    expect(basename(result.file)).toBe('trajanus-20240506T070809Z.pglite.tar.gz');
    expect(result.bytes).toBeGreaterThan(1000);
    expect(readdirSync(backups)).toEqual([basename(result.file)]); // no .partial left behind
    expect(latestBackup(backups)?.file).toBe(result.file);

    // Change the data after the backup.
    await db.query(`DELETE FROM documents WHERE title = 'Doc 0'`);
    await db.query(`INSERT INTO documents (title, content, file_id, content_hash) VALUES ('later', 'x', 'folder:later.md', 'h')`);
    await db.query(`UPDATE documents SET title = 'changed'`);
    expect(await counts(db)).toMatchObject({ documents: 3, chunks: 8 });

    // Open → restore refuses.
    await expect(restoreDatabase({ file: result.file, dataDir, pgRestorePath, confirm: true })).rejects.toThrow(/open by process/);
    await db.close();

    const restored = await restoreDatabase({ file: result.file, dataDir, pgRestorePath, confirm: true, now });
    expect(restored.kind).toBe('embedded');
    expect(restored.previousDataDir).toBe(join(dataDir, 'pgdata.before-restore-20240506T070809Z'));
    expect(existsSync(restored.previousDataDir!)).toBe(true);
    expect(existsSync(join(dataDir, 'trajanus.pid'))).toBe(false);

    db = await EmbeddedDatabase.open(dataDir);
    try {
      expect(await counts(db)).toEqual(before);
      expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents WHERE title = 'changed'`)).rows[0]!.n).toBe(0);
      // The restored database is writable and still has pgvector.
      await db.query(`SELECT '[1,2,3]'::vector <=> '[1,2,4]'::vector AS d`);
      await db.query(`INSERT INTO documents (title, content, file_id, content_hash) VALUES ('new', 'x', 'folder:new.md', 'h')`);
    } finally {
      await db.close();
    }
  });

  it('refuses a file that is not a backup with one clean error, before touching the data folder', async () => {
    const dataDir = tempDir();
    const db = await EmbeddedDatabase.open(dataDir);
    await migrate(db);
    await seed(db, 2, 1);
    const good = (await backupDatabase({ db, dir: tempDir(), pgDumpPath, pgRestorePath })).file;
    await db.close();
    const dir = tempDir();
    const bad = (n: number, data: Buffer | string) => {
      const f = join(dir, `trajanus-2024010${n}T000000Z.pglite.tar.gz`);
      writeFileSync(f, data);
      return f;
    };
    const files = [
      bad(1, 'not a tarball'),
      bad(2, randomBytes(5000)),
      bad(3, readFileSync(good).subarray(0, 3000)), // a backup cut short
      bad(4, gzipSync('hello')),
      bad(5, gzipSync(Buffer.alloc(2048))), // gzip of an empty tar
    ];
    // PGlite's own gunzip of such files rejected a promise nobody awaited: vitest fails the run on that.
    for (const f of files) {
      const err = await restoreDatabase({ file: f, dataDir, pgRestorePath, confirm: true }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(
        new RegExp(`^${basename(f)} is not a readable Trajanus embedded backup \\(.+\\); nothing was changed$`),
      );
      expect(readdirSync(dataDir).sort()).toEqual(['pgdata']);
    }
    await new Promise((r) => setTimeout(r, 200)); // give a stray rejection time to surface
    const again = await EmbeddedDatabase.open(dataDir);
    try {
      expect(await counts(again)).toMatchObject({ documents: 2, chunks: 2 });
    } finally {
      await again.close();
    }
  });

  it('the CLI prints that one line and exits 1, without a stack trace', async () => {
    const dir = tempDir();
    const f = join(dir, 'trajanus-20240101T000000Z.pglite.tar.gz');
    writeFileSync(f, randomBytes(5000));
    const r = await runCli(['restore', f, '--yes'], { TRAJANUS_DATA_DIR: join(dir, 'data') });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `trajanus: ${basename(f)} is not a readable Trajanus embedded backup (not a complete gzip file: incorrect header check); nothing was changed`,
    );
  });

  it('a truncated table file fails the backup check (every table is read in full) and leaves no backup', async () => {
    const dataDir = tempDir();
    let db = await EmbeddedDatabase.open(dataDir);
    await migrate(db);
    for (let i = 0; i < 120; i++)
      await db.query(`INSERT INTO documents (title, content, file_id, content_hash) VALUES ($1, $2, $3, 'h')`, [
        `t${i}`,
        'x'.repeat(1500),
        `folder:t${i}.md`,
      ]);
    const rel = (await db.query<{ p: string }>(`SELECT pg_relation_filepath('documents') AS p`)).rows[0]!.p;
    await db.query('CHECKPOINT');
    await db.close();
    const heap = join(dataDir, 'pgdata', rel);
    expect(statSync(heap).size).toBeGreaterThan(8192 * 3);
    truncateSync(heap, 8192);

    db = await EmbeddedDatabase.open(dataDir);
    const backups = tempDir();
    try {
      // What the old check saw: the database opens and counts the rows of the one block that is left.
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents')).rows[0]!.n).toBeLessThan(120);
      await expect(backupDatabase({ db, dir: backups, pgDumpPath, pgRestorePath })).rejects.toThrow(
        /could not be read back: table documents cannot be read: could not read block/,
      );
      expect(readdirSync(backups)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('postgres backup and restore (real PostgreSQL 15)', () => {
  it('dumps with pg_dump, restores into another database and into the same one', async () => {
    const source = await freshPgDatabase();
    const target = await freshPgDatabase();
    const backups = tempDir();
    const db = new PostgresDatabase({ url: source.url, poolSize: 2 });
    const other = new PostgresDatabase({ url: target.url, poolSize: 2 });
    try {
      await migrate(db);
      await seed(db, 4, 3);
      const before = await counts(db);
      expect(before).toMatchObject({ documents: 4, chunks: 12 });

      const now = new Date('2024-05-06T07:08:09Z');
      const result = await backupDatabase({ db, databaseUrl: source.url, dir: backups, pgDumpPath, pgRestorePath, now });
      expect(result.kind).toBe('postgres');
      expect(basename(result.file)).toBe('trajanus-20240506T070809Z.dump');
      expect(result.bytes).toBeGreaterThan(1000);
      expect(readdirSync(backups)).toEqual([basename(result.file)]);

      // A second backup in the same second gets its own name.
      const second = await backupDatabase({ db, databaseUrl: source.url, dir: backups, pgDumpPath, pgRestorePath, now });
      expect(basename(second.file)).toBe('trajanus-20240506T070809Z-2.dump');
      expect(listBackups(backups).map((b) => b.name)).toEqual([basename(second.file), basename(result.file)]);

      // Into another, empty database.
      await restoreDatabase({ file: result.file, databaseUrl: target.url, pgRestorePath, confirm: true });
      expect(await counts(other)).toEqual(before);

      // Into the same database after rows were deleted.
      await db.query(`DELETE FROM documents WHERE title IN ('Doc 0', 'Doc 1')`);
      expect((await counts(db)).documents).toBe(2);
      await restoreDatabase({ file: result.file, databaseUrl: source.url, pgRestorePath, confirm: true });
      expect(await counts(db)).toEqual(before);
    } finally {
      await db.close();
      await other.close();
      await source.drop();
      await target.drop();
    }
  });

  it('refuses when pg_dump is older than the server', async () => {
    const source = await freshPgDatabase();
    const db = new PostgresDatabase({ url: source.url, poolSize: 1 });
    const bin = tempDir();
    const fake = join(bin, 'pg_dump');
    writeFileSync(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 13.0"\n');
    chmodSync(fake, 0o755);
    const backups = tempDir();
    try {
      await expect(
        backupDatabase({ db, databaseUrl: source.url, dir: backups, pgDumpPath: fake, pgRestorePath, now: new Date() }),
      ).rejects.toThrow('pg_dump 13 is older than the server 15: install postgresql-client-15 or set PG_DUMP_PATH');
      expect(readdirSync(backups)).toEqual([]);
      await expect(
        backupDatabase({ db, databaseUrl: source.url, dir: backups, pgDumpPath: join(bin, 'missing'), pgRestorePath }),
      ).rejects.toThrow(/not found.*PG_DUMP_PATH/);

      // A pg_dump that "succeeds" but writes garbage: pg_restore --list rejects it, no backup is left.
      const liar = join(bin, 'pg_dump_liar');
      writeFileSync(
        liar,
        '#!/bin/sh\n[ "$1" = --version ] && { echo "pg_dump (PostgreSQL) 16.1"; exit 0; }\nwhile [ "$1" != -f ]; do shift; done\necho garbage > "$2"\n',
      );
      chmodSync(liar, 0o755);
      await expect(backupDatabase({ db, databaseUrl: source.url, dir: backups, pgDumpPath: liar, pgRestorePath })).rejects.toThrow(
        /pg_restore failed/,
      );
      expect(readdirSync(backups)).toEqual([]);
    } finally {
      await db.close();
      await source.drop();
    }
  });
});

describe('restore confirmation', () => {
  it('refuses without confirm=true and touches nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'trajanus-20240101T000000Z.dump');
    writeFileSync(file, 'x');
    await expect(
      restoreDatabase({ file, databaseUrl: 'postgres://nobody@127.0.0.1:1/none', pgRestorePath, confirm: false }),
    ).rejects.toThrow(/without confirmation/);
    const dataDir = tempDir();
    await expect(
      // @ts-expect-error: a missing confirm is refused too
      restoreDatabase({ file: join(dir, 'trajanus-20240101T000000Z.pglite.tar.gz'), dataDir, pgRestorePath }),
    ).rejects.toThrow(/without confirmation/);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('pruneBackups', () => {
  it('deletes our backups beyond retention, keeps recent ones, other files and the newest', () => {
    const dir = tempDir();
    const now = new Date('2024-06-30T12:00:00Z');
    const day = 86_400_000;
    const name = (daysAgo: number, ext = 'dump') => `trajanus-${backupTimestamp(new Date(now.getTime() - daysAgo * day))}.${ext}`;
    const old1 = name(45);
    const old2 = name(31, 'pglite.tar.gz');
    const recent = name(29);
    const newest = name(1);
    const foreign = 'notes-20200101T000000Z.dump';
    // Not ours although they start with our prefix: never touched, however old.
    const foreignPartials = ['trajanus-notes.partial', 'trajanus-20200101T000000Z.csv.partial'];
    for (const f of foreignPartials) {
      writeFileSync(join(dir, f), 'x');
      utimesSync(join(dir, f), new Date(now.getTime() - 90 * day), new Date(now.getTime() - 90 * day));
    }
    const partial = `${name(60)}.partial`;
    for (const f of [old1, old2, recent, newest, foreign, partial]) writeFileSync(join(dir, f), 'x');
    // Name without a valid timestamp → mtime decides.
    const badStamp = 'trajanus-20241399T000000Z.dump';
    writeFileSync(join(dir, badStamp), 'x');
    const oldTime = new Date(now.getTime() - 90 * day);
    utimesSync(join(dir, badStamp), oldTime, oldTime);

    // A .partial a crash left behind two days ago goes; the fresh one (a backup in progress) stays.
    const stalePartial = `${name(2)}.partial`;
    writeFileSync(join(dir, stalePartial), 'x');
    const twoDaysAgo = new Date(now.getTime() - 2 * day);
    utimesSync(join(dir, stalePartial), twoDaysAgo, twoDaysAgo);
    utimesSync(join(dir, partial), now, now);

    expect(listBackups(dir).map((b) => b.name)).toEqual([newest, recent, old2, old1, badStamp]);
    const deleted = pruneBackups(dir, 30, now);
    expect(deleted.sort()).toEqual([old1, old2, badStamp, stalePartial].sort());
    expect(readdirSync(dir).sort()).toEqual([foreign, ...foreignPartials, newest, partial, recent].sort());
  });

  it('never deletes the newest backup, however old', () => {
    const dir = tempDir();
    const now = new Date('2024-06-30T12:00:00Z');
    const a = 'trajanus-20230101T000000Z.dump';
    const b = 'trajanus-20230102T000000Z.dump';
    writeFileSync(join(dir, a), 'x');
    writeFileSync(join(dir, b), 'x');
    expect(pruneBackups(dir, 30, now)).toEqual([a]);
    expect(readdirSync(dir)).toEqual([b]);
    expect(pruneBackups(dir, 30, now)).toEqual([]);
    expect(pruneBackups(join(dir, 'missing'), 30, now)).toEqual([]);
    expect(latestBackup(join(dir, 'missing'))).toBeNull();
  });
});
