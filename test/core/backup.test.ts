import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupDatabase, backupTimestamp, latestBackup, listBackups, pruneBackups, restoreDatabase } from '../../src/core/backup.js';
import { EmbeddedDatabase } from '../../src/core/db/embedded.js';
import { migrate } from '../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../src/core/db/postgres.js';
import type { Database } from '../../src/core/db/types.js';
import { freshPgDatabase } from '../helpers/pg.js';

const PG_BIN = existsSync('/usr/lib/postgresql/15/bin/pg_dump') ? '/usr/lib/postgresql/15/bin' : '';
const pgDumpPath = PG_BIN ? join(PG_BIN, 'pg_dump') : 'pg_dump';
const pgRestorePath = PG_BIN ? join(PG_BIN, 'pg_restore') : 'pg_restore';

const temps: string[] = [];
function tempDir(prefix = 'trajanus-backup-') {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

async function seed(db: Database, docs: number, chunksPerDoc: number) {
  for (let d = 0; d < docs; d++) {
    const r = await db.query<{ id: string }>(
      `INSERT INTO documents (title, content, file_id, content_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
      [`Doc ${d}`, `content of doc ${d}`, `folder:doc-${d}.md`, `hash-${d}`],
    );
    for (let c = 0; c < chunksPerDoc; c++)
      await db.query(`INSERT INTO chunks (document_id, chunk_index, content) VALUES ($1, $2, $3)`, [r.rows[0]!.id, c, `chunk ${c} of doc ${d}`]);
  }
}

async function counts(db: Database) {
  const r = await db.query<{ documents: number; chunks: number; migrations: number }>(
    `SELECT (SELECT count(*) FROM documents)::int AS documents, (SELECT count(*) FROM chunks)::int AS chunks,
            (SELECT count(*) FROM schema_migrations)::int AS migrations`,
  );
  // The same top search results, too: the BM25 postings and statistics must come back with the rows.
  const top = await db.query<{ content: string }>(
    `SELECT c.content FROM lexical_search('chunk 2 of doc 1', 100, NULL, NULL, NULL, NULL, '{{*}}') s JOIN chunks c ON c.id = s.chunk_id ORDER BY s.score DESC, c.content LIMIT 5`,
  );
  return { ...r.rows[0]!, top: top.rows.map((x) => x.content) };
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

  it('puts the previous data back when the backup file is unreadable', async () => {
    const dataDir = tempDir();
    const db = await EmbeddedDatabase.open(dataDir);
    await migrate(db);
    await seed(db, 2, 1);
    await db.close();
    const bad = join(tempDir(), 'trajanus-20240101T000000Z.pglite.tar.gz');
    writeFileSync(bad, 'not a tarball');
    await expect(restoreDatabase({ file: bad, dataDir, pgRestorePath, confirm: true })).rejects.toThrow(/previous data was put back/);
    expect(readdirSync(dataDir).filter((n) => n.startsWith('pgdata.before-restore'))).toEqual([]);
    const again = await EmbeddedDatabase.open(dataDir);
    try {
      expect(await counts(again)).toMatchObject({ documents: 2, chunks: 2 });
    } finally {
      await again.close();
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
      await expect(backupDatabase({ db, databaseUrl: source.url, dir: backups, pgDumpPath: fake, pgRestorePath, now: new Date() })).rejects.toThrow(
        'pg_dump 13 is older than the server 15: install postgresql-client-15 or set PG_DUMP_PATH',
      );
      expect(readdirSync(backups)).toEqual([]);
      await expect(backupDatabase({ db, databaseUrl: source.url, dir: backups, pgDumpPath: join(bin, 'missing'), pgRestorePath })).rejects.toThrow(/not found.*PG_DUMP_PATH/);

      // A pg_dump that "succeeds" but writes garbage: pg_restore --list rejects it, no backup is left.
      const liar = join(bin, 'pg_dump_liar');
      writeFileSync(liar, '#!/bin/sh\n[ "$1" = --version ] && { echo "pg_dump (PostgreSQL) 16.1"; exit 0; }\nwhile [ "$1" != -f ]; do shift; done\necho garbage > "$2"\n');
      chmodSync(liar, 0o755);
      await expect(backupDatabase({ db, databaseUrl: source.url, dir: backups, pgDumpPath: liar, pgRestorePath })).rejects.toThrow(/pg_restore failed/);
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
    await expect(restoreDatabase({ file, databaseUrl: 'postgres://nobody@127.0.0.1:1/none', pgRestorePath, confirm: false })).rejects.toThrow(/without confirmation/);
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
    expect(readdirSync(dir).sort()).toEqual([foreign, newest, partial, recent].sort());
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
