// The admin's tools for "why can't Ann see X?", through the real `trajanus` entry point on Postgres:
// `ask --as … [--channel …]` and `search --as …` answer exactly as that person would be answered (a
// DM, or that channel with its audience, grants and scope; the audience from the database cache or,
// with a bot token, from Slack), `access <document>` lists who may open it, `access --who` counts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { runCli } from '../helpers/cli.js';
import { freshPgDatabase } from '../helpers/pg.js';

const tmp = mkdtempSync(join(tmpdir(), 'trajanus-access-cli-'));
const kb = join(tmp, 'kb');
let env: NodeJS.ProcessEnv;
let sql: pg.Client;
let drop: () => Promise<void>;
let slack: FakeSlack;

const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: tmp, env: { ...env, ...extra } });
const json = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
  const r = await cli([...args, '--json'], extra);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
const share = async (fileId: string, principals: string[]) => {
  await sql.query(`DELETE FROM document_access WHERE document_id = (SELECT id FROM documents WHERE file_id = $1) AND via <> 'grant'`, [
    fileId,
  ]);
  await sql.query(
    `INSERT INTO document_access (document_id, principal, role, via) SELECT id, unnest($2::text[]), 'reader', 'file' FROM documents WHERE file_id = $1`,
    [fileId, principals],
  );
};
const BID_QUESTION = 'What is the concrete bid unit price per cubic yard?';
const titles = (a: { sources: { title: string }[] }) => a.sources.map((s) => s.title);

beforeAll(async () => {
  const db = await freshPgDatabase();
  drop = db.drop;
  env = { DATABASE_URL: db.url, KNOWLEDGE_DIR: kb, WORKSPACE_DOMAINS: 'acme.com', EMBEDDING_PROVIDER: 'local' };
  for (const [path, text] of Object.entries({
    'safety/hot-work.md':
      '# Hot work permits\n\nA hot work permit is valid for one shift. A fire watch stays sixty minutes after hot work ends.\n',
    'contracts/concrete-bid.md': '# Concrete bid\n\nThe concrete bid unit price is 182 dollars per cubic yard, pump included.\n',
    'site/pour-plan.md': '# Concrete pour plan\n\nThe slab pour is on Friday; the concrete unit price is in the bid.\n',
  })) {
    mkdirSync(join(kb, path, '..'), { recursive: true });
    writeFileSync(join(kb, path), text);
  }
  const r = await cli(['ingest', kb, '--json']);
  expect(r.code, r.stderr).toBe(0);
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await share('folder:contracts/concrete-bid.md', ['user:pm@acme.com']);
  await share('folder:site/pour-plan.md', ['domain:acme.com']);
  slack = await startFakeSlack();
}, 300_000);
afterAll(async () => {
  await sql?.end();
  await slack?.close();
  await drop?.();
  rmSync(tmp, { recursive: true, force: true });
});

describe('trajanus ask / search --as', () => {
  it('answers as that person in a DM: --json has answer, sources, noAnswer; what they may not open never appears', async () => {
    const pm = await json(['ask', '--as', 'PM@acme.com', BID_QUESTION]);
    expect(Object.keys(pm)).toEqual(expect.arrayContaining(['answer', 'sources', 'noAnswer']));
    expect(pm.noAnswer).toBe(false);
    expect(pm.answer).toMatch(/182 dollars/);
    expect(titles(pm)).toContain('Concrete bid');
    expect(pm.audience).toBe('only pm@acme.com');
    const ann = await json(['ask', '--as', 'ann@acme.com', BID_QUESTION]);
    expect(JSON.stringify(ann)).not.toMatch(/182 dollars|Concrete bid\b/);
    expect(titles(ann)).not.toContain('Concrete bid');
    // Allowed documents are still found.
    expect(titles(await json(['ask', '--as', 'ann@acme.com', 'When is the slab pour?']))).toContain('Concrete pour plan');
    // Someone of another domain, taken as a workspace member: neither the bid nor the acme.com pour plan.
    const outsider = (await json(['search', '--as', 'eve@partner.com', 'concrete unit price'])).documents.map(
      (d: { title: string }) => d.title,
    );
    expect(outsider).not.toContain('Concrete bid');
    expect(outsider).not.toContain('Concrete pour plan');
    const search = (await json(['search', '--as', 'ann@acme.com', 'concrete unit price'])).documents.map((d: { title: string }) => d.title);
    expect(search[0]).toBe('Concrete pour plan');
    expect(search).not.toContain('Concrete bid');
    const pmSearch = (await json(['search', '--as', 'pm@acme.com', 'concrete unit price'])).documents.map(
      (d: { title: string }) => d.title,
    );
    expect(pmSearch.slice(0, 2).sort()).toEqual(['Concrete bid', 'Concrete pour plan']);
  });

  it('with --channel, as in that channel: the cached audience, its grants and its scope, said in the footer', async () => {
    const unknown = await cli(['ask', '--as', 'pm@acme.com', '--channel', 'CPUB', BID_QUESTION]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/the channel CPUB is not known here: set SLACK_BOT_TOKEN .* or ask the bot a question in it once/);
    expect((await cli(['ask', '--channel', 'CPUB', BID_QUESTION])).stderr).toMatch(/--channel needs --as <email>/);

    await sql.query(
      `INSERT INTO access_channels (channel_id, kind, name) VALUES ('CPUB', 'public', 'general'), ('CSITE', 'public', 'proj-site')`,
    );
    const pub = await json(['ask', '--as', 'pm@acme.com', '--channel', 'CPUB', BID_QUESTION]);
    expect(titles(pub)).not.toContain('Concrete bid'); // a public channel: the workspace may not open the bid
    expect(pub.audience).toBe('#general (public), audience from database cache');
    // An admin grant (as `/trajanus access grant contracts` stores it) lets the channel pass the folder.
    await sql.query(
      `INSERT INTO access_grants (channel_id, kind, value, label, granted_by) VALUES ('CPUB', 'category', 'contracts', 'contracts', 'UADMIN')`,
    );
    await sql.query('SELECT refresh_access_grants()');
    const granted = await cli(['ask', '--as', 'pm@acme.com', '--channel', 'CPUB', BID_QUESTION]);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toMatch(/182 dollars/);
    expect(granted.stdout).toContain('Searched: all documents · change with /trajanus scope');
    expect(granted.stdout).toContain('Answered as for: #general (public), audience from database cache');
    // Ann still may not open it herself.
    expect(titles(await json(['ask', '--as', 'ann@acme.com', '--channel', 'CPUB', BID_QUESTION]))).not.toContain('Concrete bid');

    // #proj-site is scoped to the site category by its name.
    const site = await cli(['ask', '--as', 'pm@acme.com', '--channel', 'CSITE', BID_QUESTION]);
    expect(site.stdout).not.toMatch(/182 dollars/);
    expect(site.stdout).toContain('Searched: site · change with /trajanus scope');
    const siteSearch = await json(['search', '--as', 'pm@acme.com', '--channel', 'CSITE', 'concrete unit price']);
    expect(siteSearch.searched).toMatchObject({ label: 'site', inChannel: true });
    expect(siteSearch.documents.map((d: { title: string }) => d.title)).toEqual(['Concrete pour plan']);
  });

  it('with a bot token, reads the channel’s audience from Slack (a private channel: every member must be able to open it)', async () => {
    slack.users.set('UPM', { email: 'pm@acme.com' });
    slack.users.set('UANN', { email: 'ann@acme.com' });
    slack.channels.set('GBIDS', { name: 'bids', is_private: true, members: ['UPM', 'UBOT0001'] });
    slack.channels.set('GMIXED', { name: 'mixed', is_private: true, members: ['UPM', 'UANN', 'UBOT0001'] });
    const withSlack = { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.url, SLACK_SIGNING_SECRET: 'x' };
    const alone = await json(['ask', '--as', 'pm@acme.com', '--channel', 'GBIDS', BID_QUESTION], withSlack);
    expect(alone.answer).toMatch(/182 dollars/);
    expect(alone.audience).toBe('#bids (private, 1 members), audience from slack');
    const mixed = await json(['ask', '--as', 'pm@acme.com', '--channel', 'GMIXED', BID_QUESTION], withSlack);
    expect(titles(mixed)).not.toContain('Concrete bid');
    expect(slack.callsOf('conversations.members').length).toBeGreaterThan(0);
    // What the CLI read is cached for the next run without credentials.
    expect((await sql.query(`SELECT kind, members FROM access_channels WHERE channel_id = 'GMIXED'`)).rows[0]).toMatchObject({
      kind: 'private',
    });
  });
});

describe('trajanus access', () => {
  it('lists who may open a document, how, and what could not be read', async () => {
    const r = await cli(['access', 'Concrete bid']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Concrete bid {2}\(folder:contracts\/concrete-bid\.md, contracts\/concrete-bid\.md\)/);
    expect(r.stdout).toMatch(/user:pm@acme\.com +reader, via the file’s sharing/);
    expect(r.stdout).toMatch(/channel:CPUB +via an admin grant — granted: category contracts/);
    const hot = await json(['access', 'folder:safety/hot-work.md']);
    expect(hot.principals).toEqual([{ principal: 'workspace', role: null, via: 'source' }]);
    await sql.query(
      `INSERT INTO document_access_errors (document_id, error) SELECT id, 'permissions.list: 403' FROM documents WHERE file_id = 'folder:site/pour-plan.md'`,
    );
    expect((await cli(['access', 'folder:site/pour-plan.md'])).stdout).toMatch(
      /Its sharing could not be read \(permissions\.list: 403\): nobody is answered from it/,
    );
    const many = await cli(['access', 'concrete']);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/"concrete" matches 2 documents; give one's file id:\n {2}folder:/);
    expect((await cli(['access', 'nothing-like-this'])).stderr).toMatch(/no document has the file id or title "nothing-like-this"/);
  });

  it('--who counts what a person may see, by category (and in a channel)', async () => {
    const ann = await json(['access', '--who', 'ann@acme.com']);
    expect(ann).toMatchObject({ visible: 2, total: 3 });
    expect(ann.byCategory).toEqual([
      { category: 'contracts', visible: 0, total: 1 },
      { category: 'safety', visible: 1, total: 1 },
      { category: 'site', visible: 1, total: 1 },
    ]);
    const text = await cli(['access', '--who', 'pm@acme.com']);
    expect(text.stdout).toMatch(/^only pm@acme\.com: may see 3 of 3 document\(s\)\n {2}contracts +1 \/ 1/);
    expect(await json(['access', '--who', 'pm@acme.com', '--channel', 'CSITE'])).toMatchObject({ visible: 1, total: 3, searched: 'site' });
    expect((await cli(['access', '--who', 'not-an-email'])).stderr).toMatch(/--who expects an email address/);
  });
});
