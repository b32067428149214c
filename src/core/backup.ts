/**
 * Backups and restores of the one database, for both implementations:
 *  - postgres (DATABASE_URL): `pg_dump -Fc` to `trajanus-<ts>.dump`, checked with `pg_restore --list`;
 *  - embedded (PGlite): the data folder as `trajanus-<ts>.pglite.tar.gz`, checked by loading it
 *    into a throw-away in-memory PGlite.
 * A backup is written to `<name>.partial` and renamed only once it has been read back, so a file
 * with our name is always a complete, readable backup. No Slack, no cron: callers schedule and report.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import { EmbeddedDatabase } from './db/embedded.js';
import { PostgresDatabase } from './db/postgres.js';
import { FolderLockedError, takeFolderLock } from './db/folder-lock.js';
import { checkEveryTable, type TableCheck } from './db/integrity.js';
import type { Database, DatabaseKind, Queryable } from './db/types.js';

const execFileP = promisify(execFile);
const gunzipP = promisify(gunzip);

export class BackupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
  }
}

export interface BackupResult {
  /** Absolute path of the finished backup. */
  file: string;
  bytes: number;
  durationMs: number;
  kind: DatabaseKind;
}

export interface BackupInfo {
  file: string;
  name: string;
  bytes: number;
  /** From the timestamp in the name; the file's mtime when the name's timestamp is not a valid date. */
  createdAt: Date;
  kind: DatabaseKind;
}

export interface RestoreResult {
  file: string;
  kind: DatabaseKind;
  durationMs: number;
  /** Embedded only: where the data folder that was replaced now is (delete it once the restore is checked). */
  previousDataDir?: string;
}

/** trajanus-20240102T030405Z.dump, trajanus-20240102T030405Z-2.pglite.tar.gz (second backup in the same second). */
const NAME = /^trajanus-(\d{8}T\d{6}Z)(?:-(\d+))?\.(dump|pglite\.tar\.gz)$/;

/** A backup being written (or one a crash interrupted): our exact name plus this suffix. */
const PARTIAL = '.partial';

/** 2024-01-02T03:04:05.678Z → 20240102T030405Z */
export function backupTimestamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function parseTimestamp(ts: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(ts);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2024-13-40 over into a real date: reject names that do not round-trip.
  return Number.isNaN(date.getTime()) || backupTimestamp(date) !== ts ? null : date;
}

function kindOfName(name: string): DatabaseKind | null {
  const m = NAME.exec(name);
  if (!m) return null;
  return m[3] === 'dump' ? 'postgres' : 'embedded';
}

function uniqueName(dir: string, ts: string, ext: string): string {
  for (let i = 1; ; i++) {
    const name = `trajanus-${ts}${i === 1 ? '' : `-${i}`}.${ext}`;
    if (!existsSync(join(dir, name)) && !existsSync(join(dir, `${name}${PARTIAL}`))) return name;
  }
}

// ---------------------------------------------------------------------------------------------
// child processes (execFile: arguments are never parsed by a shell)

/** libpq connection URL without the password, and the password for PGPASSWORD, so `ps` does not show it. */
function splitPassword(databaseUrl: string): { url: string; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  try {
    const u = new URL(databaseUrl);
    if (u.password) {
      env.PGPASSWORD = decodeURIComponent(u.password);
      u.password = '';
      return { url: u.toString(), env };
    }
  } catch {
    // Not a URL libpq-style key=value string: pass it unchanged.
  }
  return { url: databaseUrl, env };
}

function toolHint(tool: string) {
  return tool.includes('restore') ? 'PG_RESTORE_PATH' : 'PG_DUMP_PATH';
}

async function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileP(bin, args, { env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; code?: string | number };
    if (err.code === 'ENOENT')
      throw new BackupError(
        `${bin} was not found: install postgresql-client (the server's major version or newer) or set ${toolHint(basename(bin))}`,
        { cause: e },
      );
    const detail = (err.stderr ?? '').trim() || err.message;
    throw new BackupError(`${basename(bin)} failed: ${detail}`, { cause: e });
  }
}

/** "pg_dump (PostgreSQL) 15.18 (Debian …)" → 15; "pg_dump (PostgreSQL) 9.6.24" → 9. */
export function parseToolMajor(versionOutput: string): number | null {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(versionOutput) ?? /(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return null;
  return Number(m[1]);
}

async function checkPgDumpVersion(db: Database, pgDumpPath: string): Promise<void> {
  const { stdout } = await run(pgDumpPath, ['--version']);
  const toolMajor = parseToolMajor(stdout);
  if (toolMajor === null) throw new BackupError(`Could not read the version of ${pgDumpPath} from "${stdout.trim()}"`);
  const r = await db.query<{ server_version_num: string }>('SHOW server_version_num');
  const serverMajor = Math.floor(Number(r.rows[0]?.server_version_num) / 10000);
  if (!Number.isFinite(serverMajor) || serverMajor <= 0)
    throw new BackupError('Could not read the server version (SHOW server_version_num)');
  if (toolMajor < serverMajor)
    throw new BackupError(
      `pg_dump ${toolMajor} is older than the server ${serverMajor}: install postgresql-client-${serverMajor} or set PG_DUMP_PATH`,
    );
}

// ---------------------------------------------------------------------------------------------
// backup

export interface BackupOptions {
  db: Database;
  /** Required for a postgres database (pg_dump connects itself). */
  databaseUrl?: string;
  dir: string;
  pgDumpPath: string;
  pgRestorePath: string;
  now?: Date;
}

export async function backupDatabase(opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const ts = backupTimestamp(opts.now ?? new Date());
  const file = opts.db.kind === 'postgres' ? await backupPostgres(opts, dir, ts) : await backupEmbedded(opts.db, dir, ts);
  return { file, bytes: statSync(file).size, durationMs: Date.now() - started, kind: opts.db.kind };
}

async function backupPostgres(opts: BackupOptions, dir: string, ts: string): Promise<string> {
  if (!opts.databaseUrl) throw new BackupError('A postgres backup needs databaseUrl (DATABASE_URL) for pg_dump');
  await checkPgDumpVersion(opts.db, opts.pgDumpPath);
  const name = uniqueName(dir, ts, 'dump');
  const final = join(dir, name);
  const partial = `${final}${PARTIAL}`;
  const { url, env } = splitPassword(opts.databaseUrl);
  try {
    await run(opts.pgDumpPath, ['-Fc', '--no-owner', '--no-privileges', '-f', partial, `--dbname=${url}`], env);
    // A truncated or corrupt archive fails here, before it can be mistaken for a backup.
    await run(opts.pgRestorePath, ['--list', partial]);
    renameSync(partial, final);
    return final;
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}

async function backupEmbedded(db: Database, dir: string, ts: string): Promise<string> {
  if (!(db instanceof EmbeddedDatabase)) throw new BackupError(`An embedded backup needs an EmbeddedDatabase, got ${db.description}`);
  const name = uniqueName(dir, ts, 'pglite.tar.gz');
  const final = join(dir, name);
  const partial = `${final}${PARTIAL}`;
  try {
    // Flush shared buffers so the files are current, then copy them while no other transaction of
    // ours is in progress (EmbeddedDatabase.transaction serialises with every other caller).
    await db.query('CHECKPOINT');
    const blob = await db.transaction(() => db.pglite.dumpDataDir('gzip'));
    await writeFile(partial, Buffer.from(await blob.arrayBuffer()));
    await verifyPgliteTarball(partial);
    renameSync(partial, final);
    return final;
  } catch (e) {
    rmSync(partial, { force: true });
    if (e instanceof BackupError) throw e;
    throw new BackupError(`Embedded backup failed: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The data folder inside an embedded backup, as an uncompressed tar, or a BackupError saying the
 * file is not one. Unpacked here rather than by PGlite, whose own gunzip of a damaged file fails
 * after the load has already been reported (an uncaught zlib error that ends the process).
 */
export async function readPgliteBackup(file: string): Promise<Blob> {
  const name = basename(file);
  const notOurs = (why: string) => new BackupError(`${name} is not a readable Trajanus embedded backup (${why}); nothing was changed`);
  let tar: Buffer;
  try {
    tar = await gunzipP(await readFile(file));
  } catch (e) {
    throw notOurs(`not a complete gzip file: ${(e as Error).message}`);
  }
  if (!tarHasEntry(tar, 'PG_VERSION')) throw notOurs('no PGlite data folder inside: PG_VERSION is missing');
  return new Blob([tar]);
}

/** Walks the ustar headers (512-byte blocks) looking for a top-level entry `name` (or `/name`). */
function tarHasEntry(tar: Buffer, name: string): boolean {
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) return false; // end of archive
    if (header.toString('latin1', 257, 262) !== 'ustar') return false;
    const entry = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    if (entry === name || entry === `/${name}` || entry === `./${name}`) return true;
    const size = parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) return false;
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return false;
}

/**
 * Loads the tarball into a fresh in-memory PGlite and reads every table in full (see
 * checkEveryTable): damage in the source folder is caught here, not carried into a "verified" backup.
 */
async function verifyPgliteTarball(file: string): Promise<TableCheck[]> {
  const blob = await readPgliteBackup(file);
  let pg: PGlite | undefined;
  try {
    pg = await PGlite.create({ loadDataDir: blob, extensions: { vector } });
    const checks = await checkEveryTable(EmbeddedDatabase.fromPGlite(pg));
    if (!checks.some((c) => c.table === 'schema_migrations')) throw new Error('it holds no schema_migrations table');
    return checks;
  } catch (e) {
    throw new BackupError(`The embedded backup ${basename(file)} could not be read back: ${(e as Error).message}`, { cause: e });
  } finally {
    await pg?.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// listing and retention

export function listBackups(dir: string): BackupInfo[] {
  const abs = resolve(dir);
  if (!existsSync(abs)) return [];
  const out: (BackupInfo & { seq: number })[] = [];
  for (const name of readdirSync(abs)) {
    const m = NAME.exec(name);
    if (!m) continue;
    const file = join(abs, name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(file);
    } catch {
      continue; // deleted meanwhile
    }
    if (!st.isFile()) continue;
    out.push({
      file,
      name,
      bytes: st.size,
      createdAt: parseTimestamp(m[1]!) ?? st.mtime,
      kind: m[3] === 'dump' ? 'postgres' : 'embedded',
      seq: m[2] ? Number(m[2]) : 1,
    });
  }
  // Newest first; same second → higher -N suffix (later) first.
  return out
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.seq - a.seq || b.name.localeCompare(a.name))
    .map(({ seq: _seq, ...info }) => info);
}

export function latestBackup(dir: string): BackupInfo | null {
  return listBackups(dir)[0] ?? null;
}

/**
 * Deletes our backups older than `retentionDays` (by the name's timestamp, else mtime) and returns
 * their names. Other files are never touched, and the newest backup is kept however old it is:
 * a stopped backup job must not end with no backup at all.
 */
export function pruneBackups(dir: string, retentionDays: number, now: Date = new Date()): string[] {
  if (!(retentionDays > 0)) throw new BackupError(`retentionDays must be positive, got ${retentionDays}`);
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const [, ...older] = listBackups(dir);
  const deleted: string[] = [];
  for (const b of older) {
    if (b.createdAt.getTime() >= cutoff) continue;
    rmSync(b.file, { force: true });
    deleted.push(b.name);
  }
  // A `.partial` is a backup in progress, or one a crash interrupted: a day old, it is the latter.
  if (existsSync(dir))
    for (const name of readdirSync(dir)) {
      if (!name.endsWith(PARTIAL) || !NAME.test(name.slice(0, -PARTIAL.length))) continue;
      const file = join(dir, name);
      if (statSync(file).mtimeMs < now.getTime() - 86_400_000) {
        rmSync(file, { force: true });
        deleted.push(name);
      }
    }
  return deleted;
}

// ---------------------------------------------------------------------------------------------
// restore

export interface RestoreOptions {
  file: string;
  /** Target of a `.dump` restore. */
  databaseUrl?: string;
  /** Target of a `.pglite.tar.gz` restore: the TRAJANUS_DATA_DIR folder (the one holding pgdata/). */
  dataDir?: string;
  pgRestorePath: string;
  /** Must be true: a restore replaces the current data. */
  confirm: boolean;
  now?: Date;
}

export async function restoreDatabase(opts: RestoreOptions): Promise<RestoreResult> {
  if (opts.confirm !== true)
    throw new BackupError('Refusing to restore without confirmation: a restore replaces the current data (pass confirm: true / --yes)');
  const started = Date.now();
  const file = resolve(opts.file);
  if (!existsSync(file) || !statSync(file).isFile()) throw new BackupError(`Backup file not found: ${file}`);
  const name = basename(file);
  const kind =
    kindOfName(name) ?? (name.endsWith('.dump') ? 'postgres' : name.endsWith('.tar.gz') || name.endsWith('.tgz') ? 'embedded' : null);
  if (!kind) throw new BackupError(`Cannot tell what kind of backup ${name} is (expected *.dump or *.pglite.tar.gz)`);

  if (kind === 'postgres') {
    if (!opts.databaseUrl) throw new BackupError(`${name} is a pg_dump archive: restoring it needs databaseUrl (DATABASE_URL)`);
    await restorePostgres(file, opts.databaseUrl, opts.pgRestorePath);
    return { file, kind, durationMs: Date.now() - started };
  }

  if (!opts.dataDir) throw new BackupError(`${name} is an embedded (PGlite) backup: restoring it needs dataDir (TRAJANUS_DATA_DIR)`);
  const previousDataDir = await restoreEmbedded(file, resolve(opts.dataDir), opts.now ?? new Date());
  return { file, kind, durationMs: Date.now() - started, ...(previousDataDir ? { previousDataDir } : {}) };
}

/** `2; 3079 29912 EXTENSION - vector` and `3765; 0 0 COMMENT - EXTENSION vector` in `pg_restore --list`. */
const EXTENSION_ENTRY = /^\d+; \d+ \d+ EXTENSION - (\S+)/;
const EXTENSION_COMMENT_ENTRY = /^\d+; \d+ \d+ COMMENT - EXTENSION /;

/**
 * pg_restore of everything but the extensions. On managed Postgres (Supabase, RDS) the database
 * owner is not a superuser and `vector` belongs to another role, so restoring the extension's own
 * entries (DROP/CREATE/COMMENT ON EXTENSION) fails with "must be owner of extension vector". They
 * are left out; each extension the backup uses is checked in the target first (created when this
 * role may), so what the owner owns is restored and a missing extension is a clear error up front.
 */
async function restorePostgres(file: string, databaseUrl: string, pgRestorePath: string): Promise<void> {
  const { url, env } = splitPassword(databaseUrl);
  const toc = (await run(pgRestorePath, ['--list', file])).stdout.split('\n');
  const extensions = toc.flatMap((l) => EXTENSION_ENTRY.exec(l)?.[1] ?? []);
  const target = new PostgresDatabase({ url: databaseUrl, poolSize: 1 });
  const tmp = mkdtempSync(join(tmpdir(), 'trajanus-restore-'));
  try {
    await ensureExtensions(target, extensions, basename(file));
    const list = join(tmp, 'toc.list');
    writeFileSync(list, toc.filter((l) => !EXTENSION_ENTRY.test(l) && !EXTENSION_COMMENT_ENTRY.test(l)).join('\n'));
    await run(pgRestorePath, ['--clean', '--if-exists', '--no-owner', '--single-transaction', '-L', list, `--dbname=${url}`, file], env);
    await closeRestoredRuns(target, basename(file));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await target.close().catch(() => {});
  }
}

async function ensureExtensions(db: Database, names: string[], backupName: string): Promise<void> {
  if (!names.length) return;
  const present = new Set(
    (await db.query<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname = ANY($1::text[])`, [names])).rows.map(
      (r) => r.extname,
    ),
  );
  for (const name of names.filter((n) => !present.has(n))) {
    try {
      await db.exec(`CREATE EXTENSION IF NOT EXISTS ${pg.escapeIdentifier(name)}`);
    } catch (e) {
      const who = (
        await db
          .query<{ u: string; d: string }>('SELECT current_user AS u, current_database() AS d')
          .catch(() => ({ rows: [] as { u: string; d: string }[] }))
      ).rows[0];
      throw new BackupError(
        `${backupName} needs the PostgreSQL extension "${name}", which is not installed in ${who ? `database ${who.d}` : 'the target database'}` +
          ` and ${who ? `role ${who.u}` : 'this role'} cannot create it (${(e as Error).message}). Ask the database's administrator to run` +
          ` CREATE EXTENSION ${name} there (Supabase: Database → Extensions), then restore again. Nothing was changed.`,
        { cause: e },
      );
    }
  }
}

/**
 * A backup made by the backup job holds that job's own run as 'running' (the run ends after the
 * dump), and any other run that was in progress. Restored as they are, the next run would close them
 * as abandoned and the health report would count the backup that was just restored as a failed
 * run. The run that wrote this backup is closed as ok; the others say why their outcome is unknown.
 */
async function closeRestoredRuns(db: Queryable, backupName: string): Promise<void> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('job_runs')::text AS t`);
  if (!exists.rows[0]?.t) return;
  const m = NAME.exec(backupName);
  const takenAt = m ? parseTimestamp(m[1]!) : null;
  await db.query(
    `WITH ours AS (
       SELECT id FROM job_runs
        WHERE job = 'backup' AND status = 'running' AND $2::timestamptz IS NOT NULL AND started_at < $2::timestamptz + interval '1 second'
        ORDER BY started_at DESC LIMIT 1)
     UPDATE job_runs r
        SET finished_at = now(),
            status = CASE WHEN r.id IN (SELECT id FROM ours) THEN 'ok' ELSE 'failed' END,
            summary = CASE WHEN r.id IN (SELECT id FROM ours) THEN jsonb_build_object('file', $1::text, 'restored', true) ELSE r.summary END,
            error = CASE WHEN r.id IN (SELECT id FROM ours) THEN NULL
                         ELSE 'in progress when the backup ' || $1::text || ' was taken: its outcome is not in the restored database' END
      WHERE r.status = 'running'`,
    [backupName, takenAt?.toISOString() ?? null],
  );
}

/** Same lock as EmbeddedDatabase.open, so neither can open the folder while the other uses it. */
function lockDataDir(dataDir: string): () => void {
  try {
    // Not reentrant: the database may be open in this very process, and then a restore must wait.
    return takeFolderLock(dataDir);
  } catch (e) {
    if (!(e instanceof FolderLockedError)) throw e;
    throw new BackupError(
      `The embedded database in ${dataDir} is open by process ${e.holder}${e.holder === process.pid ? ' (this process)' : ''}: stop it before restoring`,
    );
  }
}

/** Returns the folder the previous pgdata was moved to, or undefined when there was none. */
async function restoreEmbedded(file: string, dataDir: string, now: Date): Promise<string | undefined> {
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(dataDir);
  try {
    // Checked before anything is moved: a file that is not a backup changes nothing.
    const blob = await readPgliteBackup(file);
    const pgdata = join(dataDir, 'pgdata');
    let aside: string | undefined;
    if (existsSync(pgdata)) {
      aside = join(dataDir, `pgdata.before-restore-${backupTimestamp(now)}`);
      for (let i = 2; existsSync(aside); i++) aside = join(dataDir, `pgdata.before-restore-${backupTimestamp(now)}-${i}`);
      renameSync(pgdata, aside);
    }
    let pg: PGlite | undefined;
    try {
      // With a nodefs dataDir PGlite unpacks the tarball straight into the (now absent) folder,
      // and refuses when a database is already there.
      pg = await PGlite.create({ dataDir: pgdata, loadDataDir: blob, extensions: { vector } });
      const restored = EmbeddedDatabase.fromPGlite(pg);
      await checkEveryTable(restored);
      await closeRestoredRuns(restored, basename(file));
      await pg.query('CHECKPOINT');
      await pg.close();
      pg = undefined;
      return aside;
    } catch (e) {
      await pg?.close().catch(() => {});
      rmSync(pgdata, { recursive: true, force: true });
      if (aside) renameSync(aside, pgdata);
      throw new BackupError(`Restore of ${basename(file)} failed, the previous data was put back: ${(e as Error).message}`, { cause: e });
    }
  } finally {
    release();
  }
}
