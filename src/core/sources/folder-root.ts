// The folder source holds one knowledge folder at a time: its documents are identified by their
// path inside the folder, and a full sync deletes what the folder no longer has. So ingesting a
// different folder would replace the previous one's documents; that must be asked for, never
// happen by accident (say, `trajanus ingest ~/our-docs` and then a start with the default
// KNOWLEDGE_DIR). The folder is remembered in sync_state as soon as a sync of it starts, so an
// interrupted first sync is resumed by the next run of the same folder. A switch (--replace) is
// recorded as pending until its sync completes: until then the knowledge base mixes two folders,
// and the next run finishes the switch rather than leaving it so.
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queryable } from '../db/types.js';
import { getSyncState, setSyncState } from '../sync-state.js';

const SOURCE = 'folder';
const KEY = 'root';
/** Set while a --replace switch has not completed: the folder being replaced. */
const SWITCH_KEY = 'replacing';

export class FolderMismatchError extends Error {
  constructor(
    readonly current: string,
    readonly requested: string,
    readonly switching = false,
  ) {
    super(
      switching
        ? `The knowledge base is switching to ${current} (an interrupted --replace); ingest ${current} to finish the switch, ` +
            `or pass --replace to switch to ${requested} instead.`
        : `The knowledge base holds the documents of ${current}; ingesting ${requested} would replace them. ` +
            'Pass --replace to switch folders, or ingest the same folder (KNOWLEDGE_DIR).',
    );
    this.name = 'FolderMismatchError';
  }
}

export async function syncedFolderRoot(db: Queryable): Promise<string | undefined> {
  const recorded = await getSyncState(db, SOURCE, KEY);
  if (recorded) return recorded;
  return inferredRoot(db);
}

/**
 * Before a run recorded its folder first (an older version recorded it only at the end, so an
 * interrupted first sync left documents and no folder), the folder can still be told from the
 * documents themselves: each has its file:// URL and its path inside the folder.
 */
async function inferredRoot(db: Queryable): Promise<string | undefined> {
  const all = await db.query<{ url: string | null; file_path: string | null }>('SELECT url, file_path FROM documents WHERE source = $1', [
    SOURCE,
  ]);
  if (!all.rows.length) return undefined;
  const unknown = '(a folder ingested earlier)';
  const roots = new Set<string>();
  for (const d of all.rows) {
    if (!d.url?.startsWith('file:') || !d.file_path) return unknown;
    const abs = fileURLToPath(d.url);
    const tail = sep + d.file_path.split('/').join(sep);
    if (!abs.endsWith(tail)) return unknown;
    roots.add(abs.slice(0, -tail.length));
  }
  return roots.size === 1 ? [...roots][0] : unknown;
}

/** The folder a --replace switched to, when that switch has not completed (else undefined). */
export async function pendingFolderSwitch(db: Queryable): Promise<{ to: string; from: string } | undefined> {
  const from = await getSyncState(db, SOURCE, SWITCH_KEY);
  const to = from ? await getSyncState(db, SOURCE, KEY) : undefined;
  return from && to ? { to, from } : undefined;
}

/** Throws FolderMismatchError when another folder's documents would be replaced without `replace`. */
export async function assertFolderRoot(db: Queryable, root: string, replace = false): Promise<void> {
  const current = await syncedFolderRoot(db);
  if (current && current !== resolve(root) && !replace)
    throw new FolderMismatchError(current, resolve(root), Boolean(await pendingFolderSwitch(db)));
}

/**
 * Called when a sync of `root` starts (holding the ingest lock): checks it like assertFolderRoot,
 * then records it, and a switch from another folder as pending.
 */
export async function claimFolderRoot(db: Queryable, root: string, replace = false): Promise<void> {
  await assertFolderRoot(db, root, replace);
  const current = await syncedFolderRoot(db);
  const target = resolve(root);
  if (current && current !== target) await setSyncState(db, SOURCE, SWITCH_KEY, current);
  await setSyncState(db, SOURCE, KEY, target);
}

/** Called when a sync of the recorded folder completed (its listing and deletions done): no switch is pending any more. */
export async function completeFolderRoot(db: Queryable): Promise<void> {
  await db.query('DELETE FROM sync_state WHERE source = $1 AND key = $2', [SOURCE, SWITCH_KEY]);
}

export async function recordFolderRoot(db: Queryable, root: string): Promise<void> {
  await setSyncState(db, SOURCE, KEY, resolve(root));
}
