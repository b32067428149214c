// The folder source holds one knowledge folder at a time: its documents are identified by their
// path inside the folder, and a full sync deletes what the folder no longer has. So ingesting a
// different folder would replace the previous one's documents; that must be asked for, never
// happen by accident (say, `trajanus ingest ~/our-docs` and then a start with the default
// KNOWLEDGE_DIR). The folder last synced is remembered in sync_state.
import { resolve } from 'node:path';
import type { Queryable } from '../db/types.js';
import { getSyncState, setSyncState } from '../sync-state.js';

const SOURCE = 'folder';
const KEY = 'root';

export class FolderMismatchError extends Error {
  constructor(readonly current: string, readonly requested: string) {
    super(
      `The knowledge base holds the documents of ${current}; ingesting ${requested} would replace them. ` +
        'Pass --replace to switch folders, or ingest the same folder (KNOWLEDGE_DIR).',
    );
    this.name = 'FolderMismatchError';
  }
}

export async function syncedFolderRoot(db: Queryable): Promise<string | undefined> {
  const recorded = await getSyncState(db, SOURCE, KEY);
  if (recorded) return recorded;
  // Before the root was recorded, any folder document means "some folder we cannot name".
  const any = await db.query('SELECT 1 FROM documents WHERE source = $1 LIMIT 1', [SOURCE]);
  return any.rows.length ? '(a folder ingested earlier)' : undefined;
}

/** Throws FolderMismatchError when another folder's documents would be replaced without `replace`. */
export async function assertFolderRoot(db: Queryable, root: string, replace = false): Promise<void> {
  const current = await syncedFolderRoot(db);
  if (current && current !== resolve(root) && !replace) throw new FolderMismatchError(current, resolve(root));
}

export async function recordFolderRoot(db: Queryable, root: string): Promise<void> {
  await setSyncState(db, SOURCE, KEY, resolve(root));
}
