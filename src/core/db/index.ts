import type { Config } from '../../config.js';
import type { Database } from './types.js';
import { EmbeddedDatabase } from './embedded.js';
import { PostgresDatabase } from './postgres.js';

export type { Database, Queryable, Session, QueryResult, DatabaseKind } from './types.js';
export { toVector, fromVector } from './vector.js';

/** The one place that decides which database runs: DATABASE_URL → pg, otherwise embedded PGlite. */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'TRAJANUS_DATA_DIR' | 'DATABASE_POOL_SIZE' | 'DATABASE_SSL' | 'DATABASE_STATEMENT_TIMEOUT_MS'>): Promise<Database> {
  if (config.DATABASE_URL)
    return new PostgresDatabase({
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      ssl: config.DATABASE_SSL,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    });
  return EmbeddedDatabase.open(config.TRAJANUS_DATA_DIR);
}
