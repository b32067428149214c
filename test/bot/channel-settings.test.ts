// `/trajanus access grant|revoke|list` (admins only) and `/trajanus scope` (any member), through the
// real Bolt app and the fake Slack Web API: a grant is effective on the next question without a
// re-ingest, audited and shown in an admin's App Home; a scope narrows what a channel searches and
// every answer's footer says what was searched.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventBody, signedRequest, slashCommandBody, type FakeSlack } from '../fakes/slack.js';
import type { Fixture } from './fixture.js';
import { startHttpBot, type HttpBot } from './http-bot.js';

const SECRET = 'test-signing-secret';
let tsSeq = 0;
const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(800000 + ++tsSeq)}`;
const RFI = /RFI procedure|rfi-procedure|Requests for information are logged/i;
const RFI_QUESTION = 'Who answers requests for information, and how fast?';

describe('channel settings in Slack', () => {
  let fx: Fixture;
  let slack: FakeSlack;
  let bot: HttpBot;

  beforeAll(async () => {
    bot = await startHttpBot({ SLACK_SIGNING_SECRET: SECRET, WORKSPACE_DOMAINS: 'acme.com', SLACK_ADMIN_USER_IDS: 'UADMIN,UOTHERADMIN' });
    ({ fx, slack } = bot);
    // The RFI procedure is Ann's alone: a public channel may not quote it unless an admin grants it.
    await fx.db.query(
      `DELETE FROM document_access WHERE document_id = (SELECT id FROM documents WHERE file_id = 'folder:procedures/rfi-procedure.md')`,
    );
    await fx.db.query(
      `INSERT INTO document_access (document_id, principal) SELECT id, 'user:ann@acme.com' FROM documents WHERE file_id = 'folder:procedures/rfi-procedure.md'`,
    );
    slack.users.set('UANN', { email: 'ann@acme.com' });
    slack.users.set('UADMIN', { email: 'admin@acme.com' });
    slack.channels.set('CPUB', { name: 'general' });
    slack.channels.set('CSAFE', { name: 'proj-safety' });
  });
  afterAll(() => bot?.close());
  beforeEach(() => slack.reset());

  const sent = () =>
    JSON.stringify(
      slack.calls
        .filter((c) => !['users.info', 'conversations.info', 'conversations.members', 'auth.test'].includes(c.method))
        .map((c) => c.args),
    );
  const command = async (user: string, channel: string, text: string) => {
    slack.reset();
    await signedRequest(
      bot.url,
      SECRET,
      slashCommandBody({ text, channel_id: channel, user_id: user, response_url: slack.responseUrl() }),
      'application/x-www-form-urlencoded',
    );
    const [r] = await slack.waitFor('response_url');
    await bot.started.app.trajanus.inflight.drain();
    return r.args as { text: string; response_type: string };
  };
  const mention = async (user: string, channel: string, text: string) => {
    slack.reset();
    const ts = newTs();
    await signedRequest(
      bot.url,
      SECRET,
      eventBody({ type: 'app_mention', user, text: `<@UBOT0001> ${text}`, ts, channel, event_ts: ts }),
      'application/json',
    );
    await slack.waitFor('chat.delete', { where: (c) => c.args.channel === channel });
    await bot.started.app.trajanus.inflight.drain();
    return sent();
  };
  const counts = async () =>
    (
      await fx.db.query<{ grants: number; audit: number }>(
        'SELECT (SELECT count(*)::int FROM access_grants) AS grants, (SELECT count(*)::int FROM access_audit) AS audit',
      )
    ).rows[0];

  it('refuses a non-admin who tries to grant or revoke, clearly, and stores nothing', async () => {
    const r = await command('UANN', 'CPUB', 'access grant procedures');
    expect(r.response_type).toBe('ephemeral');
    expect(r.text).toMatch(/Only Trajanus admins can grant channel access\. Ask <@UADMIN>, <@UOTHERADMIN>\./);
    expect((await command('UANN', 'CPUB', 'access revoke procedures')).text).toMatch(/Only Trajanus admins can revoke/);
    expect((await command('UANN', 'CPUB', 'access list')).text).toMatch(/Only Trajanus admins/);
    expect(await counts()).toEqual({ grants: 0, audit: 0 });
    expect(await mention('UANN', 'CPUB', RFI_QUESTION)).not.toMatch(RFI);
  });

  it('an admin’s grant works on the next question (no re-ingest), is audited, listed and shown in the admin’s App Home; revoke undoes it', async () => {
    expect(await mention('UANN', 'CPUB', RFI_QUESTION)).not.toMatch(RFI);
    const granted = await command('UADMIN', 'CPUB', 'access grant Procedures');
    expect(granted.text).toMatch(/This channel may now be answered from the category \*procedures\* \(1 document\(s\)\)/);
    expect(await mention('UANN', 'CPUB', RFI_QUESTION)).toMatch(RFI);
    const audit = await fx.db.query<{ actor: string; action: string; channel_id: string; at: Date }>(
      'SELECT actor, action, channel_id, at FROM access_audit',
    );
    expect(audit.rows).toMatchObject([{ actor: 'UADMIN', action: 'grant', channel_id: 'CPUB' }]);
    expect((await command('UADMIN', 'CPUB', 'access list')).text).toMatch(
      /the category \*procedures\* — 1 document\(s\), granted by <@UADMIN> \d{4}-\d\d-\d\d/,
    );
    expect((await command('UADMIN', 'COTHER', 'access list')).text).toMatch(/no access grants/);

    const home = async (user: string) => {
      slack.reset();
      await signedRequest(
        bot.url,
        SECRET,
        eventBody({ type: 'app_home_opened', user, channel: `D${user}`, tab: 'home', event_ts: newTs() }),
        'application/json',
      );
      const [pub] = await slack.waitFor('views.publish');
      return JSON.stringify(pub.args.view);
    };
    expect(await home('UADMIN')).toMatch(/Channel access grants.*<#CPUB>: category \*procedures\* \(1 document\(s\)\) — by <@UADMIN>/);
    expect(await home('UANN')).not.toMatch(/Channel access grants|procedures/);

    expect((await command('UADMIN', 'CPUB', 'access revoke procedures')).text).toMatch(/Revoked the category \*procedures\*/);
    expect(await mention('UANN', 'CPUB', RFI_QUESTION)).not.toMatch(RFI);
    expect((await fx.db.query<{ action: string }>('SELECT action FROM access_audit ORDER BY at')).rows.map((r) => r.action)).toEqual([
      'grant',
      'revoke',
    ]);
    expect((await command('UADMIN', 'CPUB', 'access grant bids')).text).toMatch(
      /No folder or category called "bids" is indexed\. Known: .*procedures/,
    );
  });

  it('a channel named after a category searches it by default; `scope` shows, sets and clears it; the footer says what was searched', async () => {
    await fx.db.query(`INSERT INTO document_access (document_id, principal) SELECT id, 'workspace' FROM documents ON CONFLICT DO NOTHING`);
    const before = await mention('UANN', 'CSAFE', RFI_QUESTION);
    expect(before).not.toMatch(RFI);
    expect(before).toContain('Searched: safety · change with /trajanus scope');
    expect((await command('UANN', 'CSAFE', 'scope')).text).toMatch(
      /This channel searches the category \*safety\* \(by default: the channel is named after it\)/,
    );

    const set = await command('UANN', 'CSAFE', 'scope procedures');
    expect(set).toMatchObject({ response_type: 'in_channel' });
    expect(set.text).toMatch(/<@UANN> set this channel to search the category \*procedures\*/);
    const after = await mention('UANN', 'CSAFE', RFI_QUESTION);
    expect(after).toMatch(RFI);
    expect(after).toContain('Searched: procedures · change with /trajanus scope');

    expect((await command('UANN', 'CSAFE', 'scope clear')).text).toMatch(/search \*all documents\*/);
    const cleared = await mention('UANN', 'CSAFE', 'How long is a hot work permit valid?');
    expect(cleared).toContain('Searched: all documents · change with /trajanus scope');
    expect((await command('UANN', 'CSAFE', 'scope bogus')).text).toMatch(
      /No folder or category called "bogus" is indexed\. Known: procedures, project, safety/,
    );
    expect((await fx.db.query('SELECT kind FROM channel_scopes WHERE channel_id = $1', ['CSAFE'])).rows).toEqual([{ kind: 'all' }]);
  });

  it('"scope of work …?" is a question, not a scope; in a DM the footer names no channel scope', async () => {
    slack.reset();
    await signedRequest(
      bot.url,
      SECRET,
      slashCommandBody({
        text: 'scope of work for the welding crew: who signs the hot work permit?',
        channel_id: 'CPUB',
        user_id: 'UANN',
        response_url: slack.responseUrl(),
      }),
      'application/x-www-form-urlencoded',
    );
    await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CPUB' && !!c.args.thread_ts });
    await bot.started.app.trajanus.inflight.drain();
    expect(sent()).toMatch(/superintendent/);
    expect((await fx.db.query('SELECT 1 FROM channel_scopes WHERE channel_id = $1', ['CPUB'])).rows).toEqual([]);

    slack.reset();
    const ts = newTs();
    await signedRequest(
      bot.url,
      SECRET,
      eventBody({
        type: 'message',
        channel_type: 'im',
        user: 'UANN',
        text: 'How long is a hot work permit valid?',
        ts,
        channel: 'DANN',
        event_ts: ts,
      }),
      'application/json',
    );
    await slack.waitFor('chat.delete', { where: (c) => c.args.channel === 'DANN' });
    await bot.started.app.trajanus.inflight.drain();
    const dm = sent();
    expect(dm).toContain('Searched: all documents');
    expect(dm).not.toContain('change with /trajanus scope');
    expect((await command('UANN', 'DANN', 'scope procedures')).text).toMatch(/A scope belongs to a channel/);
  });
});
