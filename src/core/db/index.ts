import type { Config } from '../../config.js';
import type { Database } from './types.js';

export type { Database, Queryable, Session, QueryResult, DatabaseKind } from './types.js';
export { toVector, fromVector } from './vector.js';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** The one place that decides which database runs: DATABASE_URL → pg, otherwise embedded PGlite. */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'TRAJANUS_DATA_DIR' | 'DATABASE_POOL_SIZE' | 'DATABASE_SSL' | 'DATABASE_STATEMENT_TIMEOUT_MS'>): Promise<Database> {
  // Each driver is imported only when chosen: a Postgres deployment never loads PGlite's WebAssembly.
  if (config.DATABASE_URL) {
    const { PostgresDatabase } = await import('./postgres.js');
    const db = new PostgresDatabase({
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      ssl: config.DATABASE_SSL,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    });
    // Fail at once, naming what to fix, rather than with a bare ECONNREFUSED from the first query.
    try {
      await db.query('SELECT 1');
    } catch (e) {
      await db.close().catch(() => {});
      throw new DatabaseUnavailableError(
        `Cannot reach the database at ${db.description}: ${(e as Error).message}. Check DATABASE_URL (host, port, credentials, DATABASE_SSL) and that the server is running.`,
      );
    }
    return db;
  }
  const { EmbeddedDatabase } = await import('./embedded.js');
  return EmbeddedDatabase.open(config.TRAJANUS_DATA_DIR);
}
