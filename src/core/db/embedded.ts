import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Database, LockedSession, Queryable, QueryResult } from './types.js';
import { advisoryKeySql } from './types.js';
import { backgroundPause } from './background.js';
import { FolderLockedError, takeFolderLock } from './folder-lock.js';

/**
 * PGlite is one Postgres backend in this process: statements already run one at a time,
 * but a transaction or a lock must not interleave with another caller's statements, so
 * both go through a FIFO mutex. A data folder may be opened by one process only; a pid
 * lock file turns a second opener into a clear error instead of a corrupted database.
 */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

function wrap(q: Pick<PGlite, 'query' | 'exec'> | Transaction): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    async copyBinary(table: string, columns: readonly string[], data: Uint8Array) {
      // PGlite reads COPY input from its /dev/blob device, fed by the `blob` query option.
      const ident = (name: string) => {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`copyBinary: "${name}" is not a plain identifier`);
        return name;
      };
      const r = await q.query(`COPY ${ident(table)} (${columns.map(ident).join(', ')}) FROM '/dev/blob' WITH (FORMAT binary)`, [], {
        blob: new Blob([data as Uint8Array<ArrayBuffer>]),
      });
      return r.affectedRows ?? 0;
    },
  };
}

/** The buffer pool of a brief process (EmbeddedDatabase.open): 2,048 pages. */
export const BRIEF_SHARED_BUFFERS = '16MB';

function takeDatabaseLock(dir: string): () => void {
  try {
    return takeFolderLock(dir, { reentrant: true });
  } catch (e) {
    if (!(e instanceof FolderLockedError)) throw e;
    throw new Error(
      `The embedded database in ${dir} is in use by process ${e.holder}. Stop it, or set DATABASE_URL to share a Postgres server between processes. (A running \`trajanus start\` answers ask, search, status, health and jobs itself once it has started.)`,
    );
  }
}

/** The data folder is there but cannot be a working database; nothing in it was changed. */
export class EmbeddedDamagedError extends Error {
  constructor(
    readonly pgdata: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`The embedded database in ${pgdata} is damaged: ${reason}`, options);
    this.name = 'EmbeddedDamagedError';
  }
}

/**
 * Why the folder cannot be opened, or null when it looks like a database (or is empty: a first
 * start). PGlite runs initdb over a folder without PG_VERSION, replacing the user's catalog with an
 * empty one, and aborts the WebAssembly module on a missing control file: both are caught here.
 */
export function dataFolderDamage(pgdata: string): string | null {
  if (!existsSync(pgdata)) return null;
  if (!statSync(pgdata).isDirectory()) return 'it is a file, not a folder';
  const entries = readdirSync(pgdata);
  if (!entries.length) return null;
  const size = (rel: string) => {
    try {
      return statSync(join(pgdata, rel)).size;
    } catch {
      return null;
    }
  };
  if (size('PG_VERSION') === null) return `PG_VERSION is missing from a folder that is not empty (${entries.length} entries)`;
  const control = size('global/pg_control');
  if (control === null) return 'the control file global/pg_control is missing';
  if (control !== 8192) return `the control file global/pg_control has ${control} bytes instead of 8192`;
  if (!existsSync(join(pgdata, 'base'))) return 'the folder base/ (the tables) is missing';
  const wal = existsSync(join(pgdata, 'pg_wal')) ? readdirSync(join(pgdata, 'pg_wal')).filter((n) => /^[0-9A-F]{24}$/.test(n)) : [];
  if (!wal.length) return 'the write-ahead log pg_wal/ holds no segment';
  return null;
}

export class EmbeddedDatabase implements Database {
  readonly kind = 'embedded' as const;
  private readonly mutex = new Mutex();
  private readonly plain: Queryable;

  private constructor(
    private readonly pg: PGlite,
    readonly description: string,
    private readonly release: () => void,
  ) {
    this.plain = wrap(pg);
  }

  /**
   * `dataDir` undefined → in memory (tests). `brief`: for a command that runs a few queries and
   * exits (ask, search, status): Postgres sets up its whole buffer pool at start, inside the
   * WebAssembly memory, and the initdb default of 128 MB took ~150 ms of a ~0.7 s start, longer than
   * such a command's queries; they need a few hundred pages at most, and a page evicted from the
   * smaller pool is read again from the data folder's files.
   */
  static async open(dataDir?: string, opts: { brief?: boolean } = {}): Promise<EmbeddedDatabase> {
    let release = () => {};
    let path: string | undefined;
    if (dataDir) {
      path = resolve(dataDir);
      mkdirSync(path, { recursive: true });
      release = takeDatabaseLock(path);
    }
    const pgdata = path ? join(path, 'pgdata') : undefined;
    try {
      const damage = pgdata ? dataFolderDamage(pgdata) : null;
      if (damage) throw new EmbeddedDamagedError(pgdata!, damage);
      const pidFile = pgdata ? join(pgdata, 'postmaster.pid') : undefined;
      const hadPidFile = pidFile ? existsSync(pidFile) : false;
      let pg: PGlite;
      try {
        pg = await PGlite.create({
          dataDir: pgdata,
          extensions: { vector },
          ...(opts.brief ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${BRIEF_SHARED_BUFFERS}`] } : {}),
        });
      } catch (e) {
        // A damaged WAL or control file ends in "Aborted()" from the WebAssembly runtime.
        if (!pgdata) throw e;
        // The failed start leaves its postmaster.pid behind: the folder is left as it was found.
        if (!hadPidFile) rmSync(pidFile!, { force: true });
        throw new EmbeddedDamagedError(pgdata, `PGlite could not start on it (${(e as Error).message.split('. ')[0]})`, { cause: e });
      }
      return new EmbeddedDatabase(pg, path ? `embedded PGlite at ${dataDir}` : 'embedded PGlite in memory', release);
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Wraps an already-open PGlite (restore, tests). */
  static fromPGlite(pg: PGlite, description = 'embedded PGlite'): EmbeddedDatabase {
    return new EmbeddedDatabase(pg, description, () => {});
  }

  get pglite(): PGlite {
    return this.pg;
  }

  /** One turn on the backend; background work first lets waiting foreground work go (background.ts). */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    const pause = backgroundPause();
    return pause ? pause.then(() => this.mutex.run(fn)) : this.mutex.run(fn);
  }

  query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.run(() => this.plain.query<T>(sql, params));
  }
  exec(sql: string): Promise<void> {
    return this.run(() => this.plain.exec(sql));
  }
  copyBinary(table: string, columns: readonly string[], data: Uint8Array): Promise<number> {
    return this.run(() => this.plain.copyBinary!(table, columns, data));
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.run(() => this.pg.transaction((tx) => fn(wrap(tx))));
  }

  async withAdvisoryLock<T>(name: string, fn: (s: LockedSession) => Promise<T>, opts: { wait?: boolean } = {}) {
    // One backend: a second caller in this process would re-enter its own session lock, so the
    // in-process exclusion comes from a per-name mutex; the SQL lock still shows in pg_locks.
    const lock = this.namedLock(name);
    if (!opts.wait && lock.busy) return { acquired: false as const };
    // Marked busy before queueing, so a second no-wait caller in the same tick is refused too.
    lock.busy = true;
    lock.waiting++;
    return lock.mutex.run(async () => {
      lock.waiting--;
      // One in-process backend: its "connection" cannot be lost while the process lives.
      const session: LockedSession = {
        query: (s, p) => this.query(s, p),
        exec: (s) => this.exec(s),
        transaction: (f) => this.transaction(f),
        signal: new AbortController().signal,
      };
      await this.query(`SELECT pg_advisory_lock(${advisoryKeySql})`, [name]);
      try {
        return { acquired: true as const, result: await fn(session) };
      } finally {
        await this.query(`SELECT pg_advisory_unlock(${advisoryKeySql})`, [name]).catch(() => {});
        lock.busy = lock.waiting > 0;
      }
    });
  }

  private locks = new Map<string, { mutex: Mutex; busy: boolean; waiting: number }>();
  private namedLock(name: string) {
    let l = this.locks.get(name);
    if (!l) this.locks.set(name, (l = { mutex: new Mutex(), busy: false, waiting: 0 }));
    return l;
  }

  async close() {
    try {
      await this.mutex.run(() => this.pg.close());
    } finally {
      this.release();
    }
  }
}
