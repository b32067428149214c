import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './types.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const LOCK = 'trajanus:migrations';

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus extends Migration {
  appliedAt: Date | null;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
  const seen = new Map<number, string>();
  return files.map((file) => {
    const version = Number(file.split('_')[0]);
    if (seen.has(version))
      throw new MigrationError(`Two migrations share version ${version}: ${seen.get(version)} and ${file}. Renumber one.`);
    seen.set(version, file);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version, name: file.replace(/^\d+_|\.sql$/g, ''), file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

const TRACKING_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

async function applied(q: Queryable) {
  const r = await q.query<{ version: number; checksum: string; applied_at: Date }>(
    'SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version',
  );
  return new Map(r.rows.map((row) => [row.version, row]));
}

function refuseEdited(migrations: Migration[], done: Map<number, { checksum: string }>) {
  for (const m of migrations) {
    const row = done.get(m.version);
    if (row && row.checksum !== m.checksum)
      throw new MigrationError(
        `Migration ${m.file} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… in schema_migrations, ${m.checksum.slice(0, 12)}… on disk). ` +
          'Applied migrations are immutable: restore the file and add a new numbered migration for the change.',
      );
  }
}

/**
 * Applies pending migrations in order, each once and in its own transaction, holding an
 * advisory lock so that two processes starting together apply each migration exactly once:
 * the second waits, then finds nothing to do.
 */
export async function migrate(db: Database, opts: { dir?: string; onApply?: (m: Migration) => void } = {}): Promise<Migration[]> {
  const migrations = loadMigrations(opts.dir);
  // Every start after the first finds nothing to apply: two reads say so, with no lock and no DDL
  // (a short command paid four statements and a lock for it). Anything else takes the locked path.
  const done = (await trackingTableExists(db)) ? await applied(db) : undefined;
  if (done && migrations.every((m) => done.has(m.version))) {
    refuseEdited(migrations, done);
    return [];
  }
  const outcome = await db.withAdvisoryLock(
    LOCK,
    async (session) => {
      await session.exec(TRACKING_TABLE);
      const done = await applied(session);
      refuseEdited(migrations, done);
      const newlyApplied: Migration[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        try {
          await session.transaction(async (tx) => {
            // A migration may rewrite a big table (0031 re-adds chunks.fts and rebuilds the postings:
            // minutes at 100k chunks), far beyond the pool's statement_timeout (30 s by default).
            await tx.exec('SET LOCAL statement_timeout = 0');
            await tx.exec(m.sql);
            await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
          });
        } catch (e) {
          throw new MigrationError(`Migration ${m.file} failed and was rolled back: ${(e as Error).message}`);
        }
        opts.onApply?.(m);
        newlyApplied.push(m);
      }
      return newlyApplied;
    },
    { wait: true },
  );
  if (!outcome.acquired) throw new MigrationError('Could not take the migration lock');
  return outcome.result;
}

async function trackingTableExists(q: Queryable): Promise<boolean> {
  return (await q.query<{ ok: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS ok`)).rows[0].ok;
}

export async function migrationStatus(db: Database, dir?: string): Promise<MigrationStatus[]> {
  const migrations = loadMigrations(dir);
  const done = (await trackingTableExists(db)) ? await applied(db) : new Map();
  return migrations.map((m) => ({ ...m, appliedAt: done.get(m.version)?.applied_at ?? null }));
}

/** Start-up check without applying: throws if an applied migration was edited. */
export async function verifyMigrations(db: Database, dir?: string): Promise<void> {
  if (await trackingTableExists(db)) refuseEdited(loadMigrations(dir), await applied(db));
}
