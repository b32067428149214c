import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/db/types.js';
import { assertFolderRoot, FolderMismatchError, recordFolderRoot, syncedFolderRoot } from '../../../src/core/sources/folder-root.js';
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
});
