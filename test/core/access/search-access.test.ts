// The core rule, in SQL: search returns only documents every reader may open, in both legs,
// and loses none of the documents they may open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceScope, type AccessPolicy, type Identity } from '../../../src/core/access/audience.js';
import { OPERATOR_SCOPE, permits, sqlScope, type AccessScope } from '../../../src/core/access/scope.js';
import { syncDocumentAccess } from '../../../src/core/access/store.js';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ensureEmbeddingSpace } from '../../../src/core/embed/space.js';
import { toVector } from '../../../src/core/db/vector.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { DEFAULT_SEARCH_SETTINGS, HybridSearcher } from '../../../src/core/search/search.js';
import type { SourceAccess } from '../../../src/core/sources/types.js';
import { migratedMemoryDb } from '../../helpers/db.js';
import { migratedPgDb } from '../../helpers/pg.js';
import { ArraySource, TopicEmbedder, type FixtureDoc } from '../../helpers/corpus.js';

const grants = (...principals: string[]): SourceAccess => ({
  grants: principals.map((principal) => ({ principal, role: 'reader', via: 'file' as const })),
});
const policy: AccessPolicy = { workspaceDomains: ['acme.com'] };
const ann: Identity = { kind: 'member', email: 'Ann@Acme.com' };
const bob: Identity = { kind: 'member', email: 'bob@acme.com', groups: ['estimators@acme.com'] };

// Every document is about concrete (so every query reaches all of them in both legs); who may open each differs.
const DOCS: (FixtureDoc & { openTo: string })[] = [
  {
    path: 'public/cold.md',
    text: '# Cold weather concrete\n\nMinimum concrete temperature at placement is 50 degrees. Cure the slab.',
    access: grants('anyone'),
    openTo: 'anyone',
  },
  {
    path: 'site/pour.md',
    text: '# Pour checklist\n\nBefore each concrete pour the slab reinforcing is inspected.',
    access: grants('domain:acme.com'),
    openTo: 'acme.com',
  },
  {
    path: 'hr/ann-review.md',
    text: '# Ann concrete crew review\n\nConcrete crew lead review notes, slab pour performance, cure.',
    access: grants('user:ann@acme.com'),
    openTo: 'ann',
  },
  {
    path: 'bids/estimate.md',
    text: '# Concrete bid estimate\n\nConcrete slab pour unit price and cure blanket cost for the bid.',
    access: grants('group:estimators@acme.com'),
    openTo: 'estimators',
  },
  {
    path: 'both/ann-bob.md',
    text: '# Concrete joint notes\n\nAnn and Bob concrete pour sequence for the slab cure.',
    access: grants('user:ann@acme.com', 'user:bob@acme.com'),
    openTo: 'ann+bob',
  },
  {
    path: 'secret/unreadable.md',
    text: '# Concrete claim\n\nConcrete slab pour claim and cure dispute.',
    access: { error: 'permissions.list: 403 insufficientFilePermissions' },
    openTo: 'nobody',
  },
  { path: 'nothing/none.md', text: '# Concrete mystery\n\nConcrete pour slab cure temperature notes.', openTo: 'nobody' },
];

function suite(name: string, open: () => Promise<{ db: Database; done: () => Promise<void> }>) {
  describe(`access-filtered search (${name})`, () => {
    let db: Database;
    let done: () => Promise<void>;
    let searcher: HybridSearcher;
    const embedder = new TopicEmbedder();
    const titles = async (q: string, access: AccessScope, mode: 'hybrid' | 'dense' | 'lexical' = 'hybrid') =>
      (await searcher.search(q, { access, mode, log: false, matchCount: 20 })).documents
        .map((d) => d.fileId.replace('fixture:', ''))
        .sort();

    beforeAll(async () => {
      ({ db, done } = await open());
      await ensureEmbeddingSpace(db, embedder);
      await ingest({ db, embedder }, new ArraySource(DOCS));
      await db.query(`INSERT INTO access_groups (group_email, resolved) VALUES ('estimators@acme.com', true)`);
      await db.query(`INSERT INTO access_group_members VALUES ('estimators@acme.com', 'bob@acme.com')`);
      // candidates: 2 — a leg that filtered after taking its top candidates would come back short.
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

    const cases: [string, AccessScope, string[]][] = [
      [
        'DM with Ann',
        audienceScope(ann, { kind: 'private-to-asker' }, policy),
        ['both/ann-bob.md', 'hr/ann-review.md', 'public/cold.md', 'site/pour.md'],
      ],
      [
        'DM with Bob (a group member)',
        audienceScope(bob, { kind: 'private-to-asker' }, policy),
        ['bids/estimate.md', 'both/ann-bob.md', 'public/cold.md', 'site/pour.md'],
      ],
      ['Ann in a public channel', audienceScope(ann, { kind: 'public', id: 'C1' }, policy), ['public/cold.md', 'site/pour.md']],
      [
        'Ann in a private channel with Bob',
        audienceScope(ann, { kind: 'private', id: 'G1', members: [ann, bob] }, policy),
        ['both/ann-bob.md', 'public/cold.md', 'site/pour.md'],
      ],
      ['Ann in a Slack Connect channel', audienceScope(ann, { kind: 'shared', id: 'C2' }, policy), ['public/cold.md']],
      ['an unknown asker', audienceScope({ kind: 'unknown' }, { kind: 'private-to-asker' }, policy), ['public/cold.md', 'site/pour.md']],
      [
        'a guest',
        audienceScope({ kind: 'guest', email: 'ann@acme.com' }, { kind: 'private-to-asker' }, policy),
        ['public/cold.md', 'site/pour.md'],
      ],
    ];

    it('finds every document with the operator scope, and refuses a search without a scope', async () => {
      expect(await titles('concrete slab pour cure', OPERATOR_SCOPE)).toHaveLength(DOCS.length);
      await expect(db.query(`SELECT * FROM search_chunks('concrete', NULL::vector)`)).rejects.toThrow(/needs an access scope/);
      await expect(db.query(`SELECT * FROM lexical_search('concrete', 10)`)).rejects.toThrow(/needs an access scope/);
    });

    for (const [label, scope, allowed] of cases)
      it(`${label}: exactly the documents every reader may open, in each leg`, async () => {
        // Bob's groups come with his Identity (the caller reads them from access_group_members).
        for (const mode of ['hybrid', 'dense', 'lexical'] as const)
          expect(await titles('concrete slab pour cure', scope, mode), mode).toEqual(allowed);
        // The pure rule agrees with the SQL one.
        expect(
          DOCS.filter((d) => permits(scope, d.access && 'grants' in d.access ? d.access.grants.map((g) => g.principal) : []))
            .map((d) => d.path)
            .sort(),
        ).toEqual(allowed);
      });

    it('the dense leg returns every allowed chunk, even those far from the query, when asked for more', async () => {
      const scope = audienceScope(ann, { kind: 'private-to-asker' }, policy);
      const r = await db.query<{ n: number }>(
        `SELECT count(DISTINCT c.document_id)::int AS n FROM dense_search($1::vector, 50, NULL, NULL, NULL, NULL, 10, $2::text[]) d JOIN chunks c ON c.id = d.chunk_id`,
        [toVector((await embedder.embed(['crane lift wind']))[0]), sqlScope(scope)],
      );
      expect(r.rows[0].n).toBe(4);
    });

    it('a permission change is applied without re-embedding and reaches the next search', async () => {
      const before = embedder.texts;
      const dm = audienceScope(ann, { kind: 'private-to-asker' }, policy);
      expect(await titles('bid estimate', dm)).not.toContain('bids/estimate.md');
      const { id } = (await db.query<{ id: string }>('SELECT id FROM documents WHERE file_id = $1', ['fixture:bids/estimate.md'])).rows[0];
      await syncDocumentAccess(db, id, grants('group:estimators@acme.com', 'user:ann@acme.com'));
      expect(await titles('bid estimate', dm)).toContain('bids/estimate.md');
      await syncDocumentAccess(db, id, grants('group:estimators@acme.com'));
      expect(await titles('bid estimate', dm)).not.toContain('bids/estimate.md');
      expect(embedder.texts - before).toBe(1); // the query's own embedding only (the second and third hit the cache)
    });

    it('records unreadable permissions for the health report', async () => {
      const r = await db.query<{ file_id: string; error: string }>(
        `SELECT d.file_id, e.error FROM document_access_errors e JOIN documents d ON d.id = e.document_id ORDER BY 1`,
      );
      expect(r.rows.map((x) => x.file_id)).toEqual(['fixture:nothing/none.md', 'fixture:secret/unreadable.md']);
    });
  });
}

suite('embedded', async () => {
  const db = await migratedMemoryDb();
  return { db, done: () => db.close() };
});

suite('postgres', () => migratedPgDb());
