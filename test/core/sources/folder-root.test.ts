import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/db/types.js';
import { pathToFileURL } from 'node:url';
import {
  assertFolderRoot,
  claimFolderRoot,
  completeFolderRoot,
  FolderMismatchError,
  pendingFolderSwitch,
  recordFolderRoot,
  syncedFolderRoot,
} from '../../../src/core/sources/folder-root.js';
import { migratedMemoryDb } from '../../helpers/db.js';

describe('one knowledge folder at a time', () => {
  let db: Database;
  beforeEach(async () => (db = await migratedMemoryDb()));
  afterEach(() => db.close());

  it('accepts any folder at first, then only the same one unless replacing is asked for', async () => {
    await assertFolderRoot(db, '/kb/a');
    await recordFolderRoot(db, '/kb/a');
    expect(await syncedFolderRoot(db)).toBe('/kb/a');
    await assertFolderRoot(db, '/kb/a/');
    await expect(assertFolderRoot(db, '/kb/b')).rejects.toThrow(FolderMismatchError);
    await expect(assertFolderRoot(db, '/kb/b')).rejects.toThrow(/holds the documents of \/kb\/a.*--replace/);
    await assertFolderRoot(db, '/kb/b', true);
  });

  it('treats folder documents from before the root was recorded as another folder', async () => {
    await db.query(`INSERT INTO documents (title, content, file_id, content_hash, source) VALUES ('x', 'x', 'folder:x.md', 'h', 'folder')`);
    await expect(assertFolderRoot(db, '/kb/a')).rejects.toThrow(FolderMismatchError);
  });

  it('recognises the folder of documents an interrupted older run left without recording it', async () => {
    for (const rel of ['safety/plan.md', 'rfi.md'])
      await db.query(
        `INSERT INTO documents (title, content, file_id, file_path, url, content_hash, source) VALUES ('x', 'x', $1, $2, $3, 'h', 'folder')`,
        [`folder:${rel}`, rel, pathToFileURL(`/kb/a/${rel}`).toString()],
      );
    expect(await syncedFolderRoot(db)).toBe('/kb/a');
    await assertFolderRoot(db, '/kb/a');
    await expect(assertFolderRoot(db, '/kb/b')).rejects.toThrow(FolderMismatchError);
  });

  it('keeps a --replace switch pending until its sync completes', async () => {
    await claimFolderRoot(db, '/kb/a');
    await completeFolderRoot(db);
    expect(await pendingFolderSwitch(db)).toBeUndefined();
    await expect(claimFolderRoot(db, '/kb/b')).rejects.toThrow(FolderMismatchError);
    await claimFolderRoot(db, '/kb/b', true);
    expect(await pendingFolderSwitch(db)).toEqual({ to: '/kb/b', from: '/kb/a' });
    // mid-switch, the old folder is refused with a message that says how to finish
    await expect(assertFolderRoot(db, '/kb/a')).rejects.toThrow(/switching to \/kb\/b.*ingest \/kb\/b to finish/);
    await completeFolderRoot(db);
    expect(await pendingFolderSwitch(db)).toBeUndefined();
    expect(await syncedFolderRoot(db)).toBe('/kb/b');
  });
});
