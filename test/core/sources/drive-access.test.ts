// Drive permissions: read from the listing or permissions.list (supportsAllDrives), shared-drive
// members added, unreadable ones fail closed, groups resolved through the Directory API, and a
// sharing change applied at the next incremental sync without fetching or embedding.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { audienceScope } from '../../../src/core/access/audience.js';
import { groupsOf } from '../../../src/core/access/groups.js';
import { accessHealth, accessWarnings } from '../../../src/core/access/report.js';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { DEFAULT_SEARCH_SETTINGS, HybridSearcher } from '../../../src/core/search/search.js';
import { DriveSource } from '../../../src/core/sources/drive.js';
import type { SourceFile } from '../../../src/core/sources/types.js';
import { FOLDER, startFakeDrive, type FakeDrive } from '../../fakes/drive.js';
import { topicDb, type TopicEmbedder } from '../../helpers/corpus.js';

let drive: FakeDrive;
beforeEach(async () => {
  drive = await startFakeDrive();
  drive.put({ id: 'proj', name: 'Harbor Point', mimeType: FOLDER });
  drive.put({ id: 'contracts', name: 'Contracts', mimeType: FOLDER, parents: ['proj'] });
  drive.put({ id: 'site', name: 'Site', mimeType: FOLDER, parents: ['proj'] });
  drive.put({
    id: 'plan',
    name: 'pour-plan.txt',
    mimeType: 'text/plain',
    parents: ['site'],
    content: Buffer.from('Concrete pour plan: slab pour Friday, cure blankets ready.'),
    md5Checksum: 'a',
    permissions: [
      { type: 'domain', role: 'reader', domain: 'acme.com' },
      { type: 'user', role: 'owner', emailAddress: 'pm@acme.com' },
    ],
  });
  drive.put({
    id: 'bid',
    name: 'bid.txt',
    mimeType: 'text/plain',
    parents: ['contracts'],
    content: Buffer.from('Concrete bid: slab pour unit price and cure cost.'),
    md5Checksum: 'b',
    permissionsHidden: true,
    permissions: [
      { type: 'group', role: 'reader', emailAddress: 'Estimators@acme.com' },
      { type: 'user', role: 'owner', emailAddress: 'pm@acme.com' },
    ],
  });
  drive.put({
    id: 'claim',
    name: 'claim.txt',
    mimeType: 'text/plain',
    parents: ['contracts'],
    content: Buffer.from('Concrete claim: slab pour dispute.'),
    md5Checksum: 'c',
    permissionsHidden: true,
    permissionsUnreadable: true,
  });
  drive.put({
    id: 'ghost',
    name: 'ghost.txt',
    mimeType: 'text/plain',
    parents: ['contracts'],
    content: Buffer.from('Concrete ghost group: slab pour notes.'),
    md5Checksum: 'g',
    permissions: [{ type: 'group', role: 'reader', emailAddress: 'unknown-group@acme.com' }],
  });
  drive.addDrive('ops', 'Shared Ops');
  drive.drivePermissions.set('ops', [
    { type: 'user', role: 'organizer', emailAddress: 'ops-lead@acme.com' },
    { type: 'group', role: 'reader', emailAddress: 'field@acme.com' },
  ]);
  drive.put({
    id: 'handbook',
    name: 'handbook.txt',
    mimeType: 'text/plain',
    parents: ['ops'],
    driveId: 'ops',
    content: Buffer.from('Ops handbook: concrete deliveries before 7.'),
    md5Checksum: 'h',
    permissions: [{ type: 'user', role: 'reader', emailAddress: 'visitor@partner.com' }],
  });
  drive.groups.set('estimators@acme.com', ['bob@acme.com']);
  drive.groups.set('field@acme.com', ['carl@acme.com']);
});
afterEach(() => drive.close());

const source = () =>
  new DriveSource({
    folderIds: ['proj'],
    sharedDriveIds: ['ops'],
    rootUrl: drive.rootUrl,
    retry: { retries: 1, baseMs: 1, maxMs: 2 },
    directory: { rootUrl: drive.directoryRootUrl },
  });

async function listAll(s: DriveSource): Promise<Map<string, SourceFile>> {
  const out = new Map<string, SourceFile>();
  for await (const f of s.list()) out.set(f.fileId, f);
  return out;
}

describe('Drive permissions', () => {
  it('reads permissions from the listing, else permissions.list with supportsAllDrives; adds shared-drive members; fails closed when unreadable', async () => {
    const files = await listAll(source());
    expect(files.get('drive:plan')!.access).toEqual({
      grants: [
        { principal: 'domain:acme.com', role: 'reader', via: 'file' },
        { principal: 'user:pm@acme.com', role: 'owner', via: 'file' },
      ],
    });
    expect(files.get('drive:bid')!.access).toEqual({
      grants: [
        { principal: 'group:estimators@acme.com', role: 'reader', via: 'file' },
        { principal: 'user:pm@acme.com', role: 'owner', via: 'file' },
      ],
    });
    expect(files.get('drive:claim')!.access).toMatchObject({ error: expect.stringMatching(/permissions\.list 403/) });
    // A shared-drive file: the listing carries no permissions; its own and the drive's members count.
    expect(files.get('drive:handbook')!.access).toEqual({
      grants: [
        { principal: 'user:visitor@partner.com', role: 'reader', via: 'file' },
        { principal: 'user:ops-lead@acme.com', role: 'organizer', via: 'drive' },
        { principal: 'group:field@acme.com', role: 'reader', via: 'drive' },
      ],
    });
    for (const r of drive.requests.filter((x) => x.path.endsWith('/permissions'))) expect(r.query.get('supportsAllDrives')).toBe('true');
    const asked = drive.requests
      .filter((r) => r.path.endsWith('/permissions'))
      .map((r) => r.path.split('/')[4])
      .sort();
    expect(asked).toEqual(['bid', 'claim', 'handbook', 'ops']); // not plan or ghost: the listing had theirs; the drive once
    expect(files.get('drive:plan')!.metadata.folderIds).toEqual(['proj', 'site']);
  });

  describe('through ingest', () => {
    let db: Database;
    let embedder: TopicEmbedder;
    let searcher: HybridSearcher;
    beforeEach(async () => {
      ({ db, embedder } = await topicDb());
      searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder), DEFAULT_SEARCH_SETTINGS);
    });
    afterEach(async () => {
      await searcher.log.flush();
      await db.close();
    });
    const policy = { workspaceDomains: ['acme.com'] };
    const visibleTo = async (email: string) => {
      const groups = (await groupsOf(db, [email])).get(email) ?? [];
      const r = await searcher.search('concrete slab pour', {
        access: audienceScope({ kind: 'member', email, groups }, { kind: 'private-to-asker' }, policy),
        log: false,
        matchCount: 20,
      });
      return r.documents.map((d) => d.fileId.replace('drive:', '')).sort();
    };

    it('stores permissions, resolves groups, counts what fails closed', async () => {
      const s = await ingest({ db, embedder }, source());
      expect(s.added).toBe(5);
      expect(s.groups).toEqual({ resolved: 2, unresolved: 1 });
      expect(await visibleTo('bob@acme.com')).toEqual(['bid', 'plan']); // his group's bid, his domain's plan
      expect(await visibleTo('carl@acme.com')).toEqual(['handbook', 'plan']); // a shared-drive member through a group
      expect(await visibleTo('visitor@partner.com')).toEqual(['handbook']);
      expect(await visibleTo('pm@acme.com')).toEqual(['bid', 'plan']); // not the claim: its permissions are unreadable
      const g = await db.query<{ group_email: string; resolved: boolean; error: string | null }>(
        'SELECT group_email, resolved, error FROM access_groups ORDER BY 1',
      );
      expect(g.rows.map((r) => [r.group_email, r.resolved])).toEqual([
        ['estimators@acme.com', true],
        ['field@acme.com', true],
        ['unknown-group@acme.com', false],
      ]);
      const errors = await db.query<{ file_id: string }>(
        'SELECT d.file_id FROM document_access_errors e JOIN documents d ON d.id = e.document_id',
      );
      expect(errors.rows.map((r) => r.file_id)).toEqual(['drive:claim']);
      // The health report counts them, by folder and by group, without a title.
      const health = await accessHealth(db);
      expect(health).toEqual({
        unreadable: [{ folder: 'Harbor Point/Contracts', documents: 1 }],
        unresolvedGroups: [{ group: 'unknown-group@acme.com', documents: 1 }],
      });
      expect(accessWarnings(health).join(' ')).not.toMatch(/claim|ghost/);
    });

    it('a sharing change reaches answers at the next incremental sync, with no fetch and zero embedder calls', async () => {
      await ingest({ db, embedder }, source());
      expect(await visibleTo('dana@acme.com')).toEqual(['plan']);
      await visibleTo('dana@acme.com'); // the query embedding is cached from here on
      const calls = embedder.calls;
      const fetches = drive.requests.filter((r) => r.query.get('alt') === 'media').length;
      drive.share('bid', [{ type: 'user', role: 'reader', emailAddress: 'Dana@acme.com' }]);
      drive.share('plan', [{ type: 'user', role: 'owner', emailAddress: 'pm@acme.com' }]);
      const s = await ingest({ db, embedder }, source());
      expect(s.mode).toBe('incremental');
      expect(s).toMatchObject({ access_changed: 2, changed: 0, embedded: 0 });
      expect(drive.requests.filter((r) => r.query.get('alt') === 'media').length).toBe(fetches);
      expect(await visibleTo('dana@acme.com')).toEqual(['bid']);
      expect(embedder.calls).toBe(calls);
    });
  });
});
