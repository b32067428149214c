import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../src/core/db/postgres.js';

/** A fresh, empty database on the real test server, dropped by `drop()`. */
export async function freshPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = inject('pgUrl');
  const name = `trajanus_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh database on the test server, migrated and opened through the app's pg driver; `done` closes and drops it. */
export async function migratedPgDb(poolSize = 2): Promise<{ db: PostgresDatabase; done: () => Promise<void> }> {
  const fresh = await freshPgDatabase();
  const db = new PostgresDatabase({ url: fresh.url, poolSize });
  await migrate(db);
  return {
    db,
    done: async () => {
      await db.close();
      await fresh.drop();
    },
  };
}
