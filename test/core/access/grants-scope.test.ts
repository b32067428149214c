// Admin grants and channel scope in core: targets resolved from what is indexed, grants applied at
// once (no re-ingest) and audited, and a scope that narrows — by category through filter_category, by
// Drive folder through a 'folder:<id>' reader row — but never lets anyone see more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceScope, type AccessPolicy, type Identity } from '../../../src/core/access/audience.js';
import { accessAudit, grantAccess, listGrants, revokeAccess } from '../../../src/core/access/grants.js';
import { OPERATOR_SCOPE, type AccessScope } from '../../../src/core/access/scope.js';
import { syncDocumentAccess } from '../../../src/core/access/store.js';
import { resolveTarget, TargetError } from '../../../src/core/access/targets.js';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ensureEmbeddingSpace } from '../../../src/core/embed/space.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { channelScope, clearChannelScope, narrowSearch, setChannelScope, type SearchScope } from '../../../src/core/scope/channel-scope.js';
import { DEFAULT_SEARCH_SETTINGS, HybridSearcher } from '../../../src/core/search/search.js';
import type { SourceAccess } from '../../../src/core/sources/types.js';
import { ArraySource, TopicEmbedder, type FixtureDoc } from '../../helpers/corpus.js';
import { migratedMemoryDb } from '../../helpers/db.js';
import { migratedPgDb } from '../../helpers/pg.js';

const HP = '1HarborPointRootFolder00';
const SITE = '1HarborPointSiteFolder00';
const CONTRACTS = '1HarborPointContracts000';
const ELM = '1ElmStreetRootFolder0000';
const ELM_SITE = '1ElmStreetSiteFolder0000';

const grants = (...principals: string[]): SourceAccess => ({
  grants: principals.map((principal) => ({ principal, role: 'reader', via: 'file' as const })),
});
const policy: AccessPolicy = { workspaceDomains: ['acme.com'] };
const ann: Identity = { kind: 'member', email: 'ann@acme.com' };
const pm: Identity = { kind: 'member', email: 'pm@acme.com' };

// Drive-shaped documents: path = root/folders/name, metadata.folderIds = root … parent, category = first folder.
const DOCS: FixtureDoc[] = [
  {
    path: 'Harbor Point/Site/pour-plan.txt',
    text: 'Concrete pour plan: slab pour Friday, cure blankets ready.',
    category: 'site',
    metadata: { folderIds: [HP, SITE] },
    access: grants('domain:acme.com'),
  },
  {
    path: 'Harbor Point/Contracts/bid.txt',
    text: 'Concrete bid: slab pour unit price and cure cost.',
    category: 'contracts',
    metadata: { folderIds: [HP, CONTRACTS] },
    access: grants('user:pm@acme.com'),
  },
  {
    path: 'Harbor Point/Contracts/claim.txt',
    text: 'Concrete claim: slab pour dispute and cure.',
    category: 'contracts',
    metadata: { folderIds: [HP, CONTRACTS] },
    access: grants('domain:acme.com'),
  },
  {
    path: 'Elm Street/Site/elm-pour.txt',
    text: 'Elm Street concrete pour: slab cure temperature.',
    category: 'site',
    metadata: { folderIds: [ELM, ELM_SITE] },
    access: grants('domain:acme.com'),
  },
];

function suite(name: string, open: () => Promise<{ db: Database; done: () => Promise<void> }>) {
  describe(`grants and channel scope (${name})`, () => {
    let db: Database;
    let done: () => Promise<void>;
    let searcher: HybridSearcher;
    const embedder = new TopicEmbedder();
    const found = async (access: AccessScope, scope?: SearchScope) => {
      const n = narrowSearch(access, undefined, scope);
      const r = await searcher.search('concrete slab pour cure', { access: n.access, filters: n.filters, log: false, matchCount: 20 });
      return r.documents.map((d) => d.path!.split('/').pop()).sort();
    };
    const scoped = async (channelName: string) => channelScope(db, `C-${channelName}`, channelName);

    beforeAll(async () => {
      ({ db, done } = await open());
      await ensureEmbeddingSpace(db, embedder);
      await ingest({ db, embedder }, new ArraySource(DOCS));
      searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder), {
        ...DEFAULT_SEARCH_SETTINGS,
        candidates: 2,
        chunksPerDocument: 1,
      });
    });
    afterAll(async () => {
      await searcher.log.flush();
      await done();
    });

    it('resolves folder links, category and folder names from what is indexed, and says what is known otherwise', async () => {
      expect(await resolveTarget(db, `https://drive.google.com/drive/folders/${CONTRACTS}?usp=sharing`)).toEqual({
        kind: 'folder',
        value: CONTRACTS,
        label: 'Contracts',
      });
      expect(await resolveTarget(db, `<https://drive.google.com/drive/u/0/folders/${HP}>`)).toMatchObject({
        kind: 'folder',
        value: HP,
        label: 'Harbor Point',
      });
      expect(await resolveTarget(db, 'Contracts')).toEqual({ kind: 'category', value: 'contracts', label: 'Contracts' });
      expect(await resolveTarget(db, 'harbor-point')).toEqual({ kind: 'folder', value: HP, label: 'Harbor Point' });
      await expect(resolveTarget(db, 'bids')).rejects.toThrow(TargetError);
      await expect(resolveTarget(db, 'bids')).rejects.toThrow(/No folder or category called "bids".*Known: .*Contracts.*Harbor Point/);
      // Someone who may open nothing here is told no folder's name, and cannot name one.
      const outsider = audienceScope({ kind: 'external', email: 'eve@partner.com' }, { kind: 'private-to-asker' }, policy);
      await expect(resolveTarget(db, 'bids', outsider)).rejects.toThrow(/^No folder or category called "bids" is indexed\. Or paste/);
      await expect(resolveTarget(db, 'Contracts', outsider)).rejects.toThrow(TargetError);
      await expect(resolveTarget(db, `https://drive.google.com/drive/folders/${CONTRACTS}`, outsider)).rejects.toThrow(
        /No indexed document/,
      );
      // Ann may open the claim, filed under Contracts: she can name it.
      expect(await resolveTarget(db, 'Contracts', audienceScope(ann, { kind: 'private-to-asker' }, policy))).toMatchObject({
        value: 'contracts',
      });
      await expect(resolveTarget(db, 'https://drive.google.com/drive/folders/1NotIndexedFolder000000')).rejects.toThrow(
        /No indexed document is filed under the Drive folder 1NotIndexedFolder000000/,
      );
    });

    it('scopes a channel by default to the one top-level folder or category its name matches', async () => {
      expect(await scoped('proj-harbor-point')).toMatchObject({ kind: 'folder', value: HP, label: 'Harbor Point', source: 'default' });
      expect(await scoped('Elm_Street')).toMatchObject({ kind: 'folder', value: ELM, source: 'default' });
      expect(await scoped('proj-contracts')).toMatchObject({ kind: 'category', value: 'contracts', source: 'default' });
      expect(await scoped('general')).toMatchObject({ kind: 'all', source: 'none' });
      expect(await scoped('harbor')).toMatchObject({ kind: 'all' }); // a prefix is not a match
    });

    it('narrows by folder (reader row) and by category (filter), for the operator and a person alike, and never widens', async () => {
      const all = ['bid.txt', 'claim.txt', 'elm-pour.txt', 'pour-plan.txt'];
      expect(await found(OPERATOR_SCOPE)).toEqual(all);
      const contracts = { kind: 'folder', value: CONTRACTS, label: 'Contracts', channelId: 'C1', source: 'set' } as const;
      const harbor = { kind: 'folder', value: HP, label: 'Harbor Point', channelId: 'C1', source: 'set' } as const;
      const site = { kind: 'category', value: 'site', label: 'Site', channelId: 'C1', source: 'set' } as const;
      expect(await found(OPERATOR_SCOPE, contracts)).toEqual(['bid.txt', 'claim.txt']);
      expect(await found(OPERATOR_SCOPE, site)).toEqual(['elm-pour.txt', 'pour-plan.txt']);
      const annDm = audienceScope(ann, { kind: 'private-to-asker' }, policy);
      expect(await found(annDm)).toEqual(['claim.txt', 'elm-pour.txt', 'pour-plan.txt']);
      // Ann may not open the bid: a scope on its folder does not show it to her.
      expect(await found(annDm, contracts)).toEqual(['claim.txt']);
      expect(await found(annDm, harbor)).toEqual(['claim.txt', 'pour-plan.txt']);
      // Allowed documents are all still found under the filter (candidates: 2 per leg).
      expect(await found(audienceScope(pm, { kind: 'private-to-asker' }, policy), harbor)).toEqual([
        'bid.txt',
        'claim.txt',
        'pour-plan.txt',
      ]);
    });

    it('folder rows follow a move and survive a sharing change', async () => {
      const contracts = { kind: 'folder', value: CONTRACTS, label: 'Contracts', channelId: 'C1', source: 'set' } as const;
      const { id } = (await db.query<{ id: string }>(`SELECT id FROM documents WHERE file_path = 'Harbor Point/Contracts/claim.txt'`))
        .rows[0];
      await syncDocumentAccess(db, id, grants('domain:acme.com', 'user:ann@acme.com'));
      expect(await found(OPERATOR_SCOPE, contracts)).toEqual(['bid.txt', 'claim.txt']);
      await db.query(`UPDATE documents SET metadata = jsonb_set(metadata, '{folderIds}', $2::jsonb) WHERE id = $1`, [
        id,
        JSON.stringify([ELM, ELM_SITE]),
      ]);
      expect(await found(OPERATOR_SCOPE, contracts)).toEqual(['bid.txt']);
      await db.query(`UPDATE documents SET metadata = jsonb_set(metadata, '{folderIds}', $2::jsonb) WHERE id = $1`, [
        id,
        JSON.stringify([HP, CONTRACTS]),
      ]);
      expect(await found(OPERATOR_SCOPE, contracts)).toEqual(['bid.txt', 'claim.txt']);
    });

    it('a grant lets the channel’s audience (never the asker) pass a folder, at once, audited; revoking takes it back', async () => {
      const pmInPublic = audienceScope(pm, { kind: 'public', id: 'CPUB' }, policy);
      const annInPublic = audienceScope(ann, { kind: 'public', id: 'CPUB' }, policy);
      expect(await found(pmInPublic)).not.toContain('bid.txt');
      const target = await resolveTarget(db, `https://drive.google.com/drive/folders/${CONTRACTS}`);
      const { grant, added } = await grantAccess(db, { channelId: 'CPUB', target, actor: 'UADMIN' });
      expect(added).toBe(true);
      expect(grant).toMatchObject({
        channelId: 'CPUB',
        kind: 'folder',
        value: CONTRACTS,
        label: 'Contracts',
        grantedBy: 'UADMIN',
        documents: 2,
      });
      expect(await found(pmInPublic)).toContain('bid.txt');
      expect(await found(annInPublic)).not.toContain('bid.txt'); // Ann may not open it herself
      expect(await found(audienceScope(pm, { kind: 'public', id: 'COTHER' }, policy))).not.toContain('bid.txt');
      expect((await grantAccess(db, { channelId: 'CPUB', target, actor: 'UADMIN' })).added).toBe(false);
      expect(await listGrants(db, 'CPUB')).toHaveLength(1);

      await expect(revokeAccess(db, { channelId: 'CPUB', text: 'bids', actor: 'UADMIN' })).rejects.toThrow(
        /no grant for "bids". Its grants: Contracts/,
      );
      const gone = await revokeAccess(db, { channelId: 'CPUB', text: 'contracts', actor: 'UADMIN' });
      expect(gone.value).toBe(CONTRACTS);
      expect(await found(pmInPublic)).not.toContain('bid.txt');
      expect(await listGrants(db, 'CPUB')).toEqual([]);
      const log = await accessAudit(db);
      expect(log.map((e) => [e.action, e.actor, e.channelId])).toEqual([
        ['revoke', 'UADMIN', 'CPUB'],
        ['grant', 'UADMIN', 'CPUB'],
        ['grant', 'UADMIN', 'CPUB'],
      ]);
      expect(log[0].detail).toMatchObject({ kind: 'folder', value: CONTRACTS, label: 'Contracts' });
      expect(log[0].at.getTime()).toBeGreaterThan(Date.now() - 60_000);
    });

    it('a set scope wins over the name; a cleared one searches everything, also in a channel named after a folder', async () => {
      await setChannelScope(db, 'C-proj-harbor-point', { kind: 'category', value: 'site', label: 'Site' }, 'UANN');
      expect(await scoped('proj-harbor-point')).toMatchObject({ kind: 'category', value: 'site', source: 'set', setBy: 'UANN' });
      await clearChannelScope(db, 'C-proj-harbor-point', 'UBOB');
      expect(await scoped('proj-harbor-point')).toMatchObject({ kind: 'all', source: 'set' });
    });
  });
}

suite('embedded', async () => {
  const db = await migratedMemoryDb();
  return { db, done: () => db.close() };
});

suite('postgres', () => migratedPgDb());
