// Surfaces not covered by the Slack tests: the "not in the documents, closest are…" list, a thread
// follow-up, a channel-scoped answer, and the health report posted to Slack (counts only, never a title).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { audienceScope, type AccessPolicy } from '../../../src/core/access/audience.js';
import { OPERATOR_SCOPE } from '../../../src/core/access/scope.js';
import { createAnswerer } from '../../../src/core/answer/index.js';
import type { Answerer } from '../../../src/core/answer/types.js';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { collectHealth } from '../../../src/core/health.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { createLogger } from '../../../src/core/log.js';
import { HybridSearcher, searchSettings } from '../../../src/core/search/search.js';
import type { SourceAccess } from '../../../src/core/sources/types.js';
import { healthMessage } from '../../../src/jobs/health-report.js';
import { ArraySource, topicDb, type FixtureDoc, type TopicEmbedder } from '../../helpers/corpus.js';

const grants = (...principals: string[]): SourceAccess => ({
  grants: principals.map((principal) => ({ principal, role: 'reader', via: 'file' as const })),
});
const policy: AccessPolicy = { workspaceDomains: ['acme.com'] };
const SECRET = /Crane lift salary|salaries|Rigging claim|Ghost group memo|Unreadable claim/i;

const DOCS: FixtureDoc[] = [
  {
    path: 'hr/Crane lift salary review.md',
    text: '# Crane lift salary review\n\nCrane operator lift rigging pay: wind bonus and load premium.',
    category: 'hr',
    access: grants('user:ann@acme.com'),
  },
  {
    path: 'site/Crane lift plan.md',
    text: '# Crane lift plan\n\nCrane lift on Tuesday; rigging checked before load.',
    category: 'site',
    access: grants('domain:acme.com'),
  },
  {
    path: 'contracts/Unreadable claim.md',
    text: '# Unreadable claim\n\nCrane rigging claim and wind delay.',
    category: 'contracts',
    access: { error: 'permissions.list: 403 insufficientFilePermissions' },
  },
  {
    path: 'contracts/Ghost group memo.md',
    text: '# Ghost group memo\n\nCrane load memo shared with a group nobody can list.',
    category: 'contracts',
    access: grants('group:ghost@acme.com'),
  },
];

describe('every surface obeys the rule', () => {
  let db: Database;
  let embedder: TopicEmbedder;
  let answerer: Answerer;
  let searcher: HybridSearcher;

  beforeAll(async () => {
    ({ db, embedder } = await topicDb());
    await ingest({ db, embedder }, new ArraySource(DOCS));
    await db.query(`INSERT INTO access_groups (group_email, resolved, error) VALUES ('ghost@acme.com', false, 'Directory API 403')`);
    // A confidence floor nothing reaches: every answer is "not found", with the closest documents listed.
    const config = parseConfig({ ANSWER_PROVIDER: 'composer', EMBEDDING_PROVIDER: 'local', ANSWER_MIN_CONFIDENCE: '1' });
    const logger = createLogger('silent');
    searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder), searchSettings(config), logger);
    answerer = createAnswerer({ config, db, searcher, logger });
  });
  afterAll(async () => {
    await searcher.log.flush();
    await db.close();
  });

  it('the "closest documents" list holds only what every reader may open (and the operator would have seen more)', async () => {
    const q = 'What is the crane lift rigging wind bonus for the zeppelin hangar?';
    const operator = await answerer.answer(q, { access: OPERATOR_SCOPE });
    expect(operator.noAnswer).toBe(true);
    expect(operator.sources.map((s) => s.title)).toContain('Crane lift salary review');
    const pub = await answerer.answer(q, {
      access: audienceScope({ kind: 'member', email: 'ann@acme.com' }, { kind: 'public', id: 'C1' }, policy),
    });
    expect(pub.noAnswer).toBe(true);
    expect(pub.sources.map((s) => s.title)).toEqual(['Crane lift plan']);
    expect(JSON.stringify(pub)).not.toMatch(SECRET);
  });

  it('a follow-up in a thread is searched with the thread’s readers, not the asker’s', async () => {
    const inPublic = audienceScope({ kind: 'member', email: 'ann@acme.com' }, { kind: 'public', id: 'C1' }, policy);
    await answerer.answer('Tell me about the crane lift', { access: inPublic, sessionId: 'C1:1.0' });
    const follow = await answerer.answer('and the salary review, the wind bonus?', { access: inPublic, sessionId: 'C1:1.0' });
    expect(JSON.stringify(follow)).not.toMatch(SECRET);
    const dm = await answerer.answer('and the salary review, the wind bonus?', {
      access: audienceScope({ kind: 'member', email: 'ann@acme.com' }, { kind: 'private-to-asker' }, policy),
      sessionId: 'DANN:1.0',
    });
    expect(dm.sources.map((s) => s.title)).toContain('Crane lift salary review'); // allowed in her DM: still found
  });

  it('a channel scope narrows the closest list too, and the answer says what was searched', async () => {
    const a = await answerer.answer('crane lift rigging', {
      access: OPERATOR_SCOPE,
      scope: { kind: 'category', value: 'site', label: 'Site', channelId: 'C9', source: 'default' },
    });
    expect(a.sources.map((s) => s.title)).toEqual(['Crane lift plan']);
    expect(a.searched).toEqual({ label: 'Site', inChannel: true });
  });

  it('the health report posted to Slack counts hidden documents by folder and names groups, never a title', async () => {
    const h = await collectHealth(db, { backupDir: '/nonexistent', p95WarnMs: 8000, backupWarnHours: 26 });
    const posted = JSON.stringify(healthMessage(h));
    expect(posted).toMatch(/1 document\(s\) have sharing Trajanus cannot read, so nobody is answered from them \(contracts: 1\)/);
    expect(posted).toMatch(/ghost@acme\.com: 1 document\(s\) shared only with it/);
    expect(posted).not.toMatch(SECRET);
  });
});
