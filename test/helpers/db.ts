import { EmbeddedDatabase } from '../../src/core/db/embedded.js';
import { migrate } from '../../src/core/db/migrate.js';
import type { Database } from '../../src/core/db/types.js';

/** An in-memory embedded database with every migration applied. */
export async function migratedMemoryDb(): Promise<Database> {
  const db = await EmbeddedDatabase.open();
  await migrate(db);
  return db;
}
