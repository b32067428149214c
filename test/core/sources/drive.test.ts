import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { google } from 'googleapis';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { Document, Packer, Paragraph } from 'docx';
import { DriveSource, driveAuthFromConfig, driveSourceFromConfig } from '../../../src/core/sources/drive.js';
import { SourceFileError, type SourceFile } from '../../../src/core/sources/types.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { ensureEmbeddingSpace } from '../../../src/core/embed/space.js';
import type { Embedder } from '../../../src/core/embed/types.js';
import type { Database } from '../../../src/core/db/types.js';
import { parseConfig } from '../../../src/config.js';
import { FOLDER, GDOC, GSHEET, GSLIDES, SHORTCUT, startFakeDrive, type FakeDrive } from '../../fakes/drive.js';
import { makeOacDeck, makeSubmittalLog, PPTX, XLSX } from '../../helpers/documents.js';
import { extractText } from '../../../src/core/extract/index.js';
import { migratedMemoryDb } from '../../helpers/db.js';

const PDF = 'application/pdf';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

let pdfBytes: Buffer;
let docxBytes: Buffer;
beforeAll(async () => {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([400, 200]);
  page.drawText('Crane lift plan: outriggers on mats, wind limit 20 mph.', {
    x: 20,
    y: 150,
    size: 10,
    font: await pdf.embedFont(StandardFonts.Helvetica),
  });
  pdfBytes = Buffer.from(await pdf.save());
  docxBytes = await Packer.toBuffer(
    new Document({ sections: [{ children: [new Paragraph('Weekly meeting minutes: concrete pour moved to Friday.')] }] }),
  );
});

/**
 * Project Alpha (folder root) ── Safety/ ── Site Safety Plan (Doc), crane-lift.pdf, Huge Doc (too large)
 *                              ├─ Schedules/ ── Look-ahead (Sheet)
 *                              ├─ minutes.docx, photo.png, "Link to contacts" (shortcut → elsewhere/contacts.txt)
 *                              └─ "Back to top" (shortcut → Project Alpha: a cycle)
 * Shared Ops (shared drive)  ── handbook.md, Logs/ ── daily.txt
 */
function seed(d: FakeDrive) {
  d.put({ id: 'elsewhere', name: 'Elsewhere', mimeType: FOLDER });
  d.put({
    id: 'contacts',
    name: 'contacts.txt',
    mimeType: 'text/plain',
    parents: ['elsewhere'],
    content: Buffer.from('Site contacts: Dana (superintendent) 555-0100.'),
    md5Checksum: 'c1',
  });
  d.put({ id: 'alpha', name: 'Project Alpha', mimeType: FOLDER });
  d.put({ id: 'safety', name: 'Safety', mimeType: FOLDER, parents: ['alpha'] });
  d.put({ id: 'sched', name: 'Schedules', mimeType: FOLDER, parents: ['alpha'] });
  d.put({
    id: 'plan',
    name: 'Site Safety Plan',
    mimeType: GDOC,
    parents: ['safety'],
    exports: {
      'text/markdown': '# Site Safety Plan\n\nHard hats are required on every level.',
      'text/plain': 'Site Safety Plan\nHard hats are required on every level.',
    },
  });
  d.put({ id: 'crane', name: 'crane-lift.pdf', mimeType: PDF, parents: ['safety'], content: pdfBytes, md5Checksum: 'p1' });
  d.put({ id: 'huge', name: 'Huge Doc', mimeType: GDOC, parents: ['safety'], exports: { 'text/markdown': 'never served' } });
  d.exportTooLarge.add('huge');
  d.put({
    id: 'look',
    name: 'Look-ahead',
    mimeType: GSHEET,
    parents: ['sched'],
    exports: { 'text/csv': 'week,activity\n1,excavation\n2,footings\n' },
  });
  d.put({ id: 'minutes', name: 'minutes.docx', mimeType: DOCX, parents: ['alpha'], content: docxBytes, md5Checksum: 'd1' });
  d.put({ id: 'photo', name: 'photo.png', mimeType: 'image/png', parents: ['alpha'], content: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
  d.put({
    id: 'link',
    name: 'Link to contacts',
    mimeType: SHORTCUT,
    parents: ['alpha'],
    shortcutDetails: { targetId: 'contacts', targetMimeType: 'text/plain' },
  });
  d.put({
    id: 'loop',
    name: 'Back to top',
    mimeType: SHORTCUT,
    parents: ['safety'],
    shortcutDetails: { targetId: 'alpha', targetMimeType: FOLDER },
  });
  d.addDrive('ops', 'Shared Ops');
  d.put({
    id: 'handbook',
    name: 'handbook.md',
    mimeType: 'text/markdown',
    parents: ['ops'],
    driveId: 'ops',
    content: Buffer.from('# Ops handbook\n\nDeliveries before 7 am.'),
    md5Checksum: 'h1',
  });
  d.put({ id: 'logs', name: 'Logs', mimeType: FOLDER, parents: ['ops'], driveId: 'ops' });
  d.put({
    id: 'daily',
    name: 'daily.txt',
    mimeType: 'text/plain',
    parents: ['logs'],
    driveId: 'ops',
    content: Buffer.from('Daily log: rain delay 2 hours.'),
    md5Checksum: 'l1',
  });
}

let drive: FakeDrive;
beforeEach(async () => {
  drive = await startFakeDrive();
  seed(drive);
});
afterEach(() => drive.close());

const source = (o: Partial<ConstructorParameters<typeof DriveSource>[0]> = {}) =>
  new DriveSource({
    folderIds: ['alpha'],
    sharedDriveIds: ['ops'],
    rootUrl: drive.rootUrl,
    retry: { retries: 3, baseMs: 1, maxMs: 5 },
    ...o,
  });

async function listAll(s: DriveSource): Promise<Map<string, SourceFile>> {
  const out = new Map<string, SourceFile>();
  for await (const f of s.list()) out.set(f.fileId, f);
  return out;
}

describe('DriveSource.list', () => {
  it('walks folders and shared drives, follows shortcuts, and survives a shortcut cycle', async () => {
    const files = await listAll(source());
    expect([...files.keys()].sort()).toEqual(
      ['crane', 'daily', 'handbook', 'huge', 'link', 'look', 'minutes', 'photo', 'plan'].map((id) => `drive:${id}`),
    );
    expect(files.get('drive:plan')).toMatchObject({
      title: 'Site Safety Plan',
      mimeType: 'text/markdown',
      path: 'Project Alpha/Safety/Site Safety Plan',
      category: 'safety',
      url: 'https://drive.google.com/file/d/plan/view',
      version: '1',
      metadata: { mimeType: GDOC, owners: ['owner@example.com'], parents: ['safety'], folderIds: ['alpha', 'safety'] },
      access: { grants: [{ principal: 'user:owner@example.com', role: 'owner', via: 'file' }] },
    });
    expect(files.get('drive:plan')!.modifiedAt).toBeInstanceOf(Date);
    expect(files.get('drive:look')).toMatchObject({
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      category: 'schedules',
      metadata: { mimeType: GSHEET },
    });
    expect(files.get('drive:minutes')).toMatchObject({ path: 'Project Alpha/minutes.docx', category: undefined, mimeType: DOCX });
    // The shortcut is its own document with the target's content and type.
    expect(files.get('drive:link')).toMatchObject({
      title: 'Link to contacts',
      mimeType: 'text/plain',
      metadata: { shortcutTargetId: 'contacts', parents: ['alpha'] },
    });
    expect(files.get('drive:daily')).toMatchObject({ path: 'Shared Ops/Logs/daily.txt', category: 'logs', metadata: { driveId: 'ops' } });
  });

  it('asks for all drives, scopes shared drives with corpora=drive, and turns pages', async () => {
    await listAll(source());
    const lists = drive.requestsTo('/drive/v3/files');
    expect(lists.length).toBeGreaterThan(0);
    for (const r of lists) {
      expect(r.query.get('supportsAllDrives')).toBe('true');
      expect(r.query.get('includeItemsFromAllDrives')).toBe('true');
      expect(r.query.get('q')).toMatch(/^'[\w-]+' in parents and trashed=false$/);
      expect(r.query.get('fields')).toContain('nextPageToken');
    }
    const opsList = lists.find((r) => r.query.get('q')!.startsWith("'ops'"))!;
    expect(opsList.query.get('corpora')).toBe('drive');
    expect(opsList.query.get('driveId')).toBe('ops');
    expect(lists.find((r) => r.query.get('q')!.startsWith("'alpha'"))!.query.get('corpora')).toBeNull();
  });

  it('pages with pageSize 2 over 5 files', async () => {
    drive.put({ id: 'pg', name: 'Paged', mimeType: FOLDER });
    for (let i = 1; i <= 5; i++)
      drive.put({ id: `p${i}`, name: `p${i}.txt`, mimeType: 'text/plain', parents: ['pg'], content: Buffer.from(`page file ${i}`) });
    const files = await listAll(source({ folderIds: ['pg'], sharedDriveIds: [], pageSize: 2 }));
    expect([...files.keys()].sort()).toEqual(['drive:p1', 'drive:p2', 'drive:p3', 'drive:p4', 'drive:p5']);
    const reqs = drive.requestsTo('/drive/v3/files');
    expect(reqs.map((r) => [r.query.get('pageSize'), r.query.get('pageToken')])).toEqual([
      ['2', null],
      ['2', '2'],
      ['2', '4'],
    ]);
  });
});

describe('DriveSource.list: configured roots', () => {
  it('fails, naming the id and the setting, when a folder root is missing or unshared (404), trashed, or not a folder', async () => {
    await expect(listAll(source({ folderIds: ['gone'] }))).rejects.toThrow(
      "Drive folder gone was not found or is not shared with the account Trajanus uses: check DRIVE_FOLDER_IDS and the folder's sharing",
    );
    drive.trash('elsewhere');
    await expect(listAll(source({ folderIds: ['elsewhere'], sharedDriveIds: [] }))).rejects.toThrow(
      /^Drive folder elsewhere \("Elsewhere"\) is in the trash.*DRIVE_FOLDER_IDS/,
    );
    await expect(listAll(source({ folderIds: ['contacts'], sharedDriveIds: [] }))).rejects.toThrow(
      /^Drive folder contacts \("contacts.txt"\) is not a folder \(text\/plain\): check DRIVE_FOLDER_IDS/,
    );
    await expect(listAll(source({ folderIds: [], sharedDriveIds: ['nodrive'] }))).rejects.toThrow(
      /^Shared drive nodrive was not found .*DRIVE_SHARED_DRIVE_IDS/,
    );
  });

  it('checks every root before listing any, and names the service account when it has one', async () => {
    const auth = new google.auth.JWT({
      email: 'bot@p.iam.gserviceaccount.com',
      key: 'not-a-real-key',
      scopes: ['https://www.googleapis.com/auth/drive.readonly'],
    });
    auth.credentials = { access_token: 'fake-token', token_type: 'Bearer', expiry_date: Date.now() + 3_600_000 };
    const err = await listAll(source({ auth, folderIds: ['alpha', 'gone'] })).catch((e) => e);
    expect(err.message).toMatch(
      /^Drive folder gone was not found or is not shared with the service account bot@p\.iam\.gserviceaccount\.com: /,
    );
    expect(drive.requestsTo('/drive/v3/files')).toHaveLength(0); // no folder was listed
    expect(drive.requestsTo('/drive/v3/files/alpha')[0]!.query.get('fields')).toBe('id,name,mimeType,trashed');
  });
});

describe('DriveSource.fetch', () => {
  it('exports a Sheet as xlsx and a Deck as pptx when Drive offers them, so every tab and slide comes along', async () => {
    const xlsx = await makeSubmittalLog(6);
    const pptx = await makeOacDeck();
    drive.put({
      id: 'log',
      name: 'Submittal Log',
      mimeType: GSHEET,
      parents: ['sched'],
      exports: { [XLSX]: xlsx, 'text/csv': 'first,tab,only\n' },
    });
    drive.put({
      id: 'oac',
      name: 'OAC Meeting 14',
      mimeType: GSLIDES,
      parents: ['sched'],
      exports: { [PPTX]: pptx, 'text/plain': 'flat text' },
    });
    const s = source();
    const files = await listAll(s);
    expect(files.get('drive:log')!.mimeType).toBe(XLSX);
    const sheet = await s.fetch(files.get('drive:log')!);
    expect(sheet.mimeType).toBe(XLSX);
    expect(sheet.data.equals(xlsx)).toBe(true);
    const extracted = await extractText(sheet.data, sheet.mimeType, 'Submittal Log');
    expect(new Set(extracted.sections!.map((x) => x.location?.sheet))).toEqual(new Set(['Steel', 'Doors', 'Summary']));
    const deck = await s.fetch(files.get('drive:oac')!);
    expect(deck.mimeType).toBe(PPTX);
    expect((await extractText(deck.data, deck.mimeType)).sections!.map((x) => x.location?.slide)).toEqual([1, 2, 3]);
  });

  it('exports a Doc as Markdown and a Sheet as CSV, and downloads PDF and DOCX bytes', async () => {
    const s = source();
    const files = await listAll(s);
    expect(await s.fetch(files.get('drive:plan')!)).toEqual({
      data: Buffer.from('# Site Safety Plan\n\nHard hats are required on every level.'),
      mimeType: 'text/markdown',
    });
    expect(await s.fetch(files.get('drive:look')!)).toEqual({
      data: Buffer.from('week,activity\n1,excavation\n2,footings\n'),
      mimeType: 'text/csv',
    });
    const pdf = await s.fetch(files.get('drive:crane')!);
    expect(pdf.mimeType).toBe(PDF);
    expect(pdf.data.equals(pdfBytes)).toBe(true);
    const docx = await s.fetch(files.get('drive:minutes')!);
    expect(docx.mimeType).toBe(DOCX);
    expect(docx.data.equals(docxBytes)).toBe(true);
    expect((await s.fetch(files.get('drive:link')!)).data.toString()).toContain('Dana');
    const exp = drive.requestsTo('/drive/v3/files/plan/export')[0];
    expect(exp.query.get('mimeType')).toBe('text/markdown');
    expect(drive.requestsTo('/drive/v3/files/crane')[0].query.get('alt')).toBe('media');
    expect(drive.requestsTo('/drive/v3/files/contacts').some((r) => r.query.get('alt') === 'media')).toBe(true);
  });

  it('falls back to text/plain when Markdown export is refused with 400', async () => {
    drive.edit('plan', { exports: { 'text/plain': 'Site Safety Plan (plain)' } });
    const s = source();
    const plan = (await listAll(s)).get('drive:plan')!;
    expect(await s.fetch(plan)).toEqual({ data: Buffer.from('Site Safety Plan (plain)'), mimeType: 'text/plain' });
  });

  it('maps exportSizeLimitExceeded to too-large, 404 to unavailable, other Google types to unsupported', async () => {
    const s = source();
    const files = await listAll(s);
    const err = await s.fetch(files.get('drive:huge')!).catch((e) => e);
    expect(err).toBeInstanceOf(SourceFileError);
    expect(err).toMatchObject({ reason: 'too-large', fileId: 'drive:huge' });
    drive.remove('crane');
    await expect(s.fetch(files.get('drive:crane')!)).rejects.toMatchObject({ name: 'SourceFileError', reason: 'unavailable' });
    const form: SourceFile = {
      fileId: 'drive:form',
      title: 'Form',
      mimeType: 'application/vnd.google-apps.form',
      metadata: { mimeType: 'application/vnd.google-apps.form' },
    };
    await expect(s.fetch(form)).rejects.toMatchObject({ name: 'SourceFileError', reason: 'unsupported' });
  });

  it('retries 429 and 403 rateLimitExceeded, then gives up after the bounded retries', async () => {
    const s = source();
    const files = await listAll(s);
    const isPlanExport = (r: { path: string }) => r.path === '/drive/v3/files/plan/export';
    drive.rateLimit(2, isPlanExport);
    drive.fail(1, { status: 403, reason: 'userRateLimitExceeded', domain: 'usageLimits' }, isPlanExport);
    expect((await s.fetch(files.get('drive:plan')!)).mimeType).toBe('text/markdown');
    expect(drive.requestsTo('/drive/v3/files/plan/export')).toHaveLength(4);

    drive.fail(1, { status: 503, reason: 'backendError' }, (r) => r.path === '/drive/v3/files');
    expect((await listAll(s)).size).toBe(9); // a 5xx while listing is retried too

    drive.rateLimit(10, isPlanExport);
    const before = drive.requestsTo('/drive/v3/files/plan/export').length;
    await expect(s.fetch(files.get('drive:plan')!)).rejects.toMatchObject({ name: 'SourceFileError', reason: 'other' });
    expect(drive.requestsTo('/drive/v3/files/plan/export').length - before).toBe(4); // 1 try + 3 retries, none by googleapis
  });

  it('times out a request that hangs and retries it', async () => {
    const s = source({ timeoutMs: 300 });
    const files = await listAll(s);
    const isPlanExport = (r: { path: string }) => r.path === '/drive/v3/files/plan/export';
    const before = drive.requestsTo('/drive/v3/files/plan/export').length;
    drive.stall(1, 2000, isPlanExport);
    expect((await s.fetch(files.get('drive:plan')!)).mimeType).toBe('text/markdown');
    expect(drive.requestsTo('/drive/v3/files/plan/export').length - before).toBe(2);
  });
});

describe('DriveSource changes', () => {
  it('maps an edit, a deletion, a trash, a move out and a new shared-drive file', async () => {
    const s = source();
    const cursor = await s.startCursor();
    expect(JSON.parse(cursor)).toEqual({ '': expect.any(String), ops: expect.any(String) });
    drive.edit('plan', { exports: { 'text/markdown': '# Site Safety Plan\n\nHarnesses above 6 ft.' } });
    drive.remove('crane');
    drive.trash('look');
    drive.edit('minutes', { parents: ['elsewhere'] });
    drive.put({
      id: 'night',
      name: 'night.txt',
      mimeType: 'text/plain',
      parents: ['logs'],
      driveId: 'ops',
      content: Buffer.from('Night log.'),
    });
    drive.edit('safety', { name: 'Safety & Health' }); // a folder's own change carries no document

    const r = (await s.changesSince(cursor))!;
    expect(r).not.toBeNull();
    const summary = r.changes.map((c) => (c.kind === 'delete' ? `delete ${c.fileId}` : `upsert ${c.file.fileId} ${c.file.path}`));
    expect(summary.sort()).toEqual([
      'delete drive:crane',
      'delete drive:look',
      'delete drive:minutes',
      'upsert drive:night Shared Ops/Logs/night.txt',
      'upsert drive:plan Project Alpha/Safety & Health/Site Safety Plan',
    ]);
    const plan = r.changes.find((c) => c.kind === 'upsert' && c.file.fileId === 'drive:plan');
    expect(plan).toMatchObject({ file: { version: '2', category: 'safety & health' } });

    const reqs = drive.requestsTo('/drive/v3/changes');
    for (const q of reqs.map((x) => x.query)) {
      expect(q.get('includeRemoved')).toBe('true');
      expect(q.get('supportsAllDrives')).toBe('true');
      expect(q.get('includeItemsFromAllDrives')).toBe('true');
    }
    expect(reqs.some((x) => x.query.get('driveId') === 'ops')).toBe(true);

    // Nothing new since: empty, and the cursor moves on.
    const again = (await s.changesSince(r.nextCursor))!;
    expect(again.changes).toEqual([]);
  });

  it('pages through changes', async () => {
    const s = source({ pageSize: 2, sharedDriveIds: [] });
    const cursor = await s.startCursor();
    for (const id of ['plan', 'crane', 'minutes', 'photo', 'huge']) drive.edit(id, {});
    const r = (await s.changesSince(cursor))!;
    expect(r.changes.map((c) => (c.kind === 'upsert' ? c.file.fileId : c.fileId)).sort()).toEqual([
      'drive:crane',
      'drive:huge',
      'drive:minutes',
      'drive:photo',
      'drive:plan',
    ]);
    expect(drive.requestsTo('/drive/v3/changes')).toHaveLength(3);
  });

  it('returns null for an expired page token (404 or 400) and for a cursor of another configuration', async () => {
    const s = source();
    const cursor = await s.startCursor();
    drive.edit('plan', {});
    drive.expireTokensBefore(1000, 404);
    expect(await s.changesSince(cursor)).toBeNull();
    drive.expireTokensBefore(1000, 400);
    expect(await s.changesSince(cursor)).toBeNull();
    drive.expireTokensBefore(0);
    expect(await source({ sharedDriveIds: ['ops', 'other'] }).changesSince(cursor)).toBeNull();
    expect(await source({ sharedDriveIds: [] }).changesSince(cursor)).toBeNull();
    expect(await s.changesSince(cursor)).not.toBeNull();
    expect(await s.changesSince('not json')).toBeNull();
  });
});

describe('driveSourceFromConfig', () => {
  it('builds a source from the environment names', () => {
    const config = parseConfig({ DRIVE_FOLDER_IDS: 'a, b', DRIVE_SHARED_DRIVE_IDS: 'c', DRIVE_ROOT_URL: 'http://127.0.0.1:1/' });
    expect(driveSourceFromConfig(config).name).toBe('drive');
    expect(() => driveSourceFromConfig(parseConfig({ DRIVE_FOLDER_IDS: 'a' }))).toThrow(/GOOGLE_SERVICE_ACCOUNT_JSON/);
    expect(() => driveSourceFromConfig(parseConfig({}))).toThrow(/DRIVE_FOLDER_IDS/);
    const oauth = parseConfig({
      DRIVE_FOLDER_IDS: 'a',
      GOOGLE_OAUTH_CLIENT_ID: 'id',
      GOOGLE_OAUTH_CLIENT_SECRET: 's',
      GOOGLE_OAUTH_REFRESH_TOKEN: 'r',
    });
    expect(driveAuthFromConfig(oauth)).toBeInstanceOf(google.auth.OAuth2);
  });

  it('reads a service-account key given inline or as a path', () => {
    const key = JSON.stringify({ type: 'service_account', client_email: 'bot@p.iam.gserviceaccount.com', private_key: 'not-a-real-key' });
    const dir = mkdtempSync(join(tmpdir(), 'drive-sa-'));
    writeFileSync(join(dir, 'sa.json'), key);
    for (const value of [key, join(dir, 'sa.json')]) {
      const auth = driveAuthFromConfig(parseConfig({ DRIVE_FOLDER_IDS: 'a', GOOGLE_SERVICE_ACCOUNT_JSON: value }));
      expect(auth).toBeInstanceOf(google.auth.JWT);
      expect(auth).toMatchObject({ email: 'bot@p.iam.gserviceaccount.com', scopes: ['https://www.googleapis.com/auth/drive.readonly'] });
    }
    rmSync(dir, { recursive: true, force: true });
  });
});

/** 8 dimensions from a hash of the text: deterministic, no model. */
class HashEmbedder implements Embedder {
  readonly id = 'test:hash8';
  readonly dimensions = 8;
  readonly maxInputTokens = 256;
  calls = 0;
  async embed(texts: string[]): Promise<number[][]> {
    this.calls++;
    return texts.map((t) => {
      const h = createHash('sha256').update(t).digest();
      const v = Array.from({ length: 8 }, (_, i) => h[i] / 255 - 0.5);
      const n = Math.hypot(...v) || 1;
      return v.map((x) => x / n);
    });
  }
}

describe('ingest() with DriveSource', () => {
  let db: Database;
  const docs = async () =>
    (
      await db.query<{ file_id: string; content: string; category: string | null; file_path: string }>(
        `SELECT file_id, content, category, file_path FROM documents WHERE source = 'drive' ORDER BY file_id`,
      )
    ).rows;

  it('runs full, then incremental, then falls back to full when the cursor expired', async () => {
    db = await migratedMemoryDb();
    try {
      const embedder = new HashEmbedder();
      await ensureEmbeddingSpace(db, embedder);
      const deps = { db, embedder };

      const first = await ingest(deps, source());
      expect(first).toMatchObject({ mode: 'full', files: 9, added: 7, failed: 1, skipped: 1, deleted: 0 });
      expect(first.errors).toEqual([expect.objectContaining({ fileId: 'drive:huge' })]);
      expect((await docs()).map((d) => d.file_id)).toEqual([
        'drive:crane',
        'drive:daily',
        'drive:handbook',
        'drive:link',
        'drive:look',
        'drive:minutes',
        'drive:plan',
      ]);
      const byId = new Map((await docs()).map((d) => [d.file_id, d]));
      expect(byId.get('drive:plan')).toMatchObject({ category: 'safety', file_path: 'Project Alpha/Safety/Site Safety Plan' });
      expect(byId.get('drive:plan')!.content).toContain('Hard hats');
      expect(byId.get('drive:crane')!.content).toContain('outriggers');
      expect(byId.get('drive:minutes')!.content).toContain('concrete pour');
      expect(byId.get('drive:look')!.content).toContain('excavation');
      expect(byId.get('drive:link')!.content).toContain('Dana');

      drive.edit('plan', { exports: { 'text/markdown': '# Site Safety Plan\n\nHarnesses are required above six feet.' } });
      drive.remove('daily');
      drive.requests.length = 0;
      const second = await ingest(deps, source());
      expect(second).toMatchObject({ mode: 'incremental', files: 1, changed: 1, added: 0, deleted: 1, failed: 0 });
      expect(drive.requestsTo('/drive/v3/files')).toHaveLength(0); // no listing
      const after = new Map((await docs()).map((d) => [d.file_id, d]));
      expect(after.has('drive:daily')).toBe(false);
      expect(after.get('drive:plan')!.content).toContain('Harnesses');
      expect(after.get('drive:handbook')!.content).toBe(byId.get('drive:handbook')!.content);

      drive.remove('photo');
      drive.remove('handbook');
      drive.expireTokensBefore(Number.MAX_SAFE_INTEGER);
      const third = await ingest(deps, source());
      expect(third).toMatchObject({ mode: 'full', files: 6, unchanged: 5, failed: 1, deleted: 1 });
      expect((await docs()).map((d) => d.file_id)).toEqual(['drive:crane', 'drive:link', 'drive:look', 'drive:minutes', 'drive:plan']);
      const runs = await db.query<{ status: string }>(`SELECT status FROM ingest_runs ORDER BY started_at`);
      expect(runs.rows.map((r) => r.status)).toEqual(['partial', 'ok', 'partial']);
    } finally {
      await db.close();
    }
  });

  it('deletes nothing when a configured root has vanished or is no longer shared: the run fails instead', async () => {
    db = await migratedMemoryDb();
    try {
      const embedder = new HashEmbedder();
      await ensureEmbeddingSpace(db, embedder);
      const deps = { db, embedder };
      expect(await ingest(deps, source())).toMatchObject({ mode: 'full', added: 7 });
      const before = (await docs()).map((d) => d.file_id);
      expect(before).toHaveLength(7);

      // Unshared with the account: Drive answers 404 for the folder and lists nothing under it.
      drive.files.delete('alpha');
      await expect(ingest(deps, source(), { full: true })).rejects.toThrow(
        /^Drive folder alpha was not found or is not shared with .*: check DRIVE_FOLDER_IDS/,
      );
      drive.expireTokensBefore(Number.MAX_SAFE_INTEGER); // the fallback from an expired cursor is a full sync too
      await expect(ingest(deps, source())).rejects.toThrow(/Drive folder alpha was not found/);
      drive.drives.delete('ops');
      drive.put({ id: 'alpha', name: 'Project Alpha', mimeType: FOLDER });
      await expect(ingest(deps, source(), { full: true })).rejects.toThrow(/^Shared drive ops was not found/);
      expect((await docs()).map((d) => d.file_id)).toEqual(before);
      const runs = await db.query<{ status: string; error: string | null }>(`SELECT status, error FROM ingest_runs ORDER BY started_at`);
      expect(runs.rows.map((r) => r.status)).toEqual(['partial', 'failed', 'failed', 'failed']);
      expect(runs.rows[1]!.error).toMatch(/Drive folder alpha was not found/);
    } finally {
      await db.close();
    }
  });
});
