import type { Config } from '../../config.js';
import type { Database } from './types.js';
import type { EmbeddedDamagedError } from './embedded.js';

export type { Database, Queryable, Session, LockedSession, QueryResult, DatabaseKind } from './types.js';
export { toVector, fromVector } from './vector.js';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** What to do about a damaged embedded folder: the newest embedded backup, and the command that restores it. */
export async function damagedDatabaseAdvice(e: EmbeddedDamagedError, backupDir: string): Promise<string> {
  // backup.ts loads PGlite: imported here, on the damaged path only, so a Postgres start never loads it
  const { latestBackup } = await import('../backup.js');
  const backup = latestBackup(backupDir);
  const advice =
    backup?.kind === 'embedded'
      ? `The last good backup is ${backup.file} (${backup.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC). ` +
        `Restore it with: npx trajanus restore ${backup.file} --yes (the damaged folder is kept aside).`
      : `No embedded backup was found in BACKUP_DIR (${backupDir}). Restore one from elsewhere with: npx trajanus restore <file> --yes, ` +
        `or move ${e.pgdata} aside to start with an empty database and re-index.`;
  return `${e.message}. It was left untouched. ${advice}`;
}

/** The one place that decides which database runs: DATABASE_URL → pg, otherwise embedded PGlite. */
export async function openDatabase(
  config: Pick<
    Config,
    'DATABASE_URL' | 'TRAJANUS_DATA_DIR' | 'DATABASE_POOL_SIZE' | 'DATABASE_SSL' | 'DATABASE_STATEMENT_TIMEOUT_MS' | 'BACKUP_DIR'
  >,
  /** brief: the process runs a few queries and exits (the embedded database then starts lighter; see EmbeddedDatabase.open). */
  opts: { brief?: boolean } = {},
): Promise<Database> {
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
  const embedded = await import('./embedded.js');
  try {
    return await embedded.EmbeddedDatabase.open(config.TRAJANUS_DATA_DIR, opts);
  } catch (e) {
    if (e instanceof embedded.EmbeddedDamagedError)
      throw new DatabaseDamagedError(await damagedDatabaseAdvice(e, config.BACKUP_DIR), { cause: e });
    throw e;
  }
}

export class DatabaseDamagedError extends Error {
  override name = 'DatabaseDamagedError';
}
