import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderSource, inferDocType } from '../../../src/core/sources/folder.js';
import type { SourceFile } from '../../../src/core/sources/types.js';

let root: string;
const put = (rel: string, content: string) => {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), content);
};
const listAll = async (src: FolderSource) => {
  const out: SourceFile[] = [];
  for await (const f of src.list()) out.push(f);
  return out;
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'trajanus-folder-'));
  put('readme.txt', 'Top level');
  put('safety/site-safety-plan.md', '---\ndoc_type: standard\n---\n# Site safety');
  put('safety/crlf.md', '\uFEFF---\r\ndoc_type: checklist\r\n---\r\n# CRLF');
  put('safety/drafts/old.md', '# Old');
  put('schedules/Weekly_Meeting-minutes.docx', 'not really a docx');
  put('.git/config', '[core]');
  put('schedules/~$lock.docx', 'lock');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('FolderSource', () => {
  it('lists files with stable ids, titles, categories and doc types', async () => {
    const files = await listAll(new FolderSource(root, ['.git', 'drafts', '~$*']));
    expect(files.map((f) => f.fileId)).toEqual([
      'folder:readme.txt',
      'folder:safety/crlf.md',
      'folder:safety/site-safety-plan.md',
      'folder:schedules/Weekly_Meeting-minutes.docx',
    ]);
    const [readme, crlf, plan, minutes] = files;
    expect(readme).toMatchObject({
      title: 'readme',
      mimeType: 'text/plain',
      path: 'readme.txt',
      category: undefined,
      metadata: { size: 9 },
    });
    expect(readme.url).toBe(pathToFileURL(join(root, 'readme.txt')).toString());
    expect(plan).toMatchObject({ title: 'site safety plan', mimeType: 'text/markdown', category: 'safety', docType: 'standard' });
    expect(crlf.docType).toBe('checklist');
    expect(minutes).toMatchObject({
      title: 'Weekly Meeting minutes',
      category: 'schedules',
      docType: 'minutes',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    });
  });

  it('applies ignore globs to any path segment or to the whole relative path', async () => {
    const ids = (await listAll(new FolderSource(root, ['safety/*.md', '*.docx']))).map((f) => f.fileId);
    // `*` stays inside one folder: safety/drafts/old.md is not under safety/*.md
    expect(ids).toEqual(['folder:.git/config', 'folder:readme.txt', 'folder:safety/drafts/old.md']);
    expect((await listAll(new FolderSource(root, ['safety/**/*.md', '.*']))).map((f) => f.fileId)).toEqual([
      'folder:readme.txt',
      'folder:schedules/Weekly_Meeting-minutes.docx',
      'folder:schedules/~$lock.docx',
    ]);
    const none = await listAll(new FolderSource(root, ['**']));
    expect(none).toEqual([]);
  });

  it('changes version when a file changes, and fetches its bytes', async () => {
    const src = new FolderSource(root, ['.git']);
    const before = (await listAll(src)).find((f) => f.fileId === 'folder:readme.txt')!;
    expect(before.version).toMatch(/^\d+:9$/);
    expect((await listAll(src)).find((f) => f.fileId === 'folder:readme.txt')!.version).toBe(before.version);

    put('readme.txt', 'Top level, edited');
    const t = new Date(Date.now() + 5_000);
    utimesSync(join(root, 'readme.txt'), t, t);
    const after = (await listAll(src)).find((f) => f.fileId === 'folder:readme.txt')!;
    expect(after.fileId).toBe(before.fileId);
    expect(after.version).not.toBe(before.version);
    expect(after.modifiedAt!.getTime()).toBeGreaterThan(before.modifiedAt!.getTime());
    const fetched = await src.fetch(after);
    expect(fetched).toEqual({ data: Buffer.from('Top level, edited'), mimeType: 'text/plain' });
  });

  it('says clearly when the folder does not exist', async () => {
    await expect(listAll(new FolderSource(join(root, 'missing')))).rejects.toThrow(/Knowledge folder .*missing does not exist/);
  });
});

describe('inferDocType', () => {
  it('guesses from the file name', () => {
    expect(inferDocType('2026-03-Look-Ahead.pdf')).toBe('schedule');
    expect(inferDocType('subcontract-agreement.docx')).toBe('contract');
    expect(inferDocType('rfi-log.csv')).toBe('log');
    expect(inferDocType('photo.jpg')).toBeUndefined();
  });
});
