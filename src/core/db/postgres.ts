import pg from 'pg';
import type { Database, LockedSession, Queryable, QueryResult } from './types.js';
import { advisoryKeySql } from './types.js';
import { redactUrl } from '../log.js';
import { ConnectionLostError } from './connection.js';

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  ssl?: 'disable' | 'require' | 'no-verify';
  statementTimeoutMs?: number;
}

// int8 (counts, sums) as numbers, as PGlite returns them, so both implementations hand back the same shapes.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

function wrapClient(c: pg.PoolClient | pg.Pool): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await c.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string) {
      await c.query(sql);
    },
  };
}

async function inTransaction<T>(client: pg.PoolClient, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(wrapClient(client));
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly description: string;
  readonly pool: pg.Pool;
  private readonly plain: Queryable;

  constructor(opts: PostgresOptions) {
    this.description = redactUrl(opts.url);
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      ssl: opts.ssl === 'require' ? { rejectUnauthorized: true } : opts.ssl === 'no-verify' ? { rejectUnauthorized: false } : undefined,
      statement_timeout: opts.statementTimeoutMs ?? 30000,
      connectionTimeoutMillis: 10000,
      idleTimeoutMillis: 30000,
      types,
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
    this.plain = wrapClient(this.pool);
  }

  query<T>(sql: string, params?: unknown[]) {
    return this.plain.query<T>(sql, params);
  }
  exec(sql: string) {
    return this.plain.exec(sql);
  }
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const held = await this.checkout('a transaction');
    try {
      return await inTransaction(held.client, fn);
    } finally {
      held.release();
    }
  }

  /**
   * A client taken out of the pool. pg-pool listens for errors only on idle clients: a checked-out
   * client whose server goes away (a restart, pg_terminate_backend) emits 'error' with no listener,
   * which ends the whole process. This listener turns it into an aborted signal, and the client is
   * destroyed rather than handed back to the pool.
   */
  private async checkout(what: string) {
    const client = await this.pool.connect();
    const lost = new AbortController();
    const onError = (err: Error) => {
      if (!lost.signal.aborted) lost.abort(new ConnectionLostError(what, { cause: err }));
    };
    client.on('error', onError);
    return {
      client,
      signal: lost.signal,
      release: (broken = false) => {
        const destroy = broken || lost.signal.aborted;
        // A healthy client goes back to the pool without our listener (it would pile up there);
        // a broken one keeps it, since pg may still report its end.
        if (!destroy) client.removeListener('error', onError);
        client.release(destroy ? ((lost.signal.reason as Error) ?? true) : undefined);
      },
    };
  }

  async withAdvisoryLock<T>(name: string, fn: (s: LockedSession) => Promise<T>, opts: { wait?: boolean } = {}) {
    // Session-level locks belong to one connection: hold one client for the whole critical section.
    const held = await this.checkout(`the lock "${name}"`);
    const { client } = held;
    let broken = false;
    try {
      if (opts.wait) {
        // A waiting lock must outlive statement_timeout (a long migration in another process).
        await client.query('SET statement_timeout = 0');
        await client.query(`SELECT pg_advisory_lock(${advisoryKeySql})`, [name]);
        await client.query('RESET statement_timeout');
      } else {
        const r = await client.query(`SELECT pg_try_advisory_lock(${advisoryKeySql}) AS ok`, [name]);
        if (!r.rows[0].ok) return { acquired: false as const };
      }
      const session: LockedSession = { ...wrapClient(client), transaction: (f) => inTransaction(client, f), signal: held.signal };
      try {
        // Work that finished although the lock was lost on the way is done all the same: reported as done.
        return { acquired: true as const, result: await fn(session) };
      } finally {
        if (!held.signal.aborted)
          await client.query(`SELECT pg_advisory_unlock(${advisoryKeySql})`, [name]).catch(() => {
            broken = true;
          });
      }
    } finally {
      held.release(broken);
    }
  }

  async close() {
    await this.pool.end();
  }
}
