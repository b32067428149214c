// Small per-source bookkeeping in `sync_state` (change cursors, the last full sync, the folder
// last indexed): one read and one upsert, shared by everything that keeps such state.
import type { Queryable } from './db/types.js';

export async function getSyncState(db: Queryable, source: string, key: string): Promise<string | undefined> {
  const r = await db.query<{ value: string }>('SELECT value FROM sync_state WHERE source = $1 AND key = $2', [source, key]);
  return r.rows[0]?.value;
}

export async function setSyncState(db: Queryable, source: string, key: string, value: string): Promise<void> {
  await db.query(
    `INSERT INTO sync_state (source, key, value) VALUES ($1, $2, $3)
     ON CONFLICT (source, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [source, key, value],
  );
}
