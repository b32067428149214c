// Who may see what, where — through the real Bolt app and the fake Slack Web API (users.info with
// emails, conversations.info, conversations.members). A document the audience may not open must
// never reach Slack: not in answers, sources, titles, snippets or the "closest documents" list.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartedSlackApp } from '../../src/bot/app.js';
import { IDENTITY_UNKNOWN_NOTE } from '../../src/core/answer/rag.js';
import { eventBody, signedRequest, slashCommandBody, type FakeSlack } from '../fakes/slack.js';
import type { Fixture } from './fixture.js';
import { startHttpBot, type HttpBot } from './http-bot.js';

const SECRET = 'test-signing-secret';
let tsSeq = 0;
const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(700000 + ++tsSeq)}`;

// The fixture's three folder documents, re-shared: the hot work permit stays workspace-wide, the
// RFI procedure is Ann's and Bob's, the site notices (crane inspection) Ann's alone.
const CRANE = /crane inspection|Site notices|site-notices/i;
const RFI = /RFI procedure|rfi-procedure|Requests for information/i;

describe('permission-aware answers in Slack', () => {
  let fx: Fixture;
  let slack: FakeSlack;
  let started: StartedSlackApp;
  let url: string;
  let bot: HttpBot;

  beforeAll(async () => {
    bot = await startHttpBot({ SLACK_SIGNING_SECRET: SECRET, WORKSPACE_DOMAINS: 'acme.com' });
    ({ fx, slack, started, url } = bot);
    const share = async (path: string, principals: string[]) => {
      await fx.db.query(`DELETE FROM document_access WHERE document_id = (SELECT id FROM documents WHERE file_id = $1)`, [
        `folder:${path}`,
      ]);
      await fx.db.query(
        `INSERT INTO document_access (document_id, principal) SELECT id, unnest($2::text[]) FROM documents WHERE file_id = $1`,
        [`folder:${path}`, principals],
      );
    };
    await share('procedures/rfi-procedure.md', ['user:ann@acme.com', 'user:bob@acme.com']);
    await share('project/site-notices.md', ['user:ann@acme.com']);
    slack.users.set('UANN', { email: 'Ann@Acme.com' });
    slack.users.set('UBOB', { email: 'bob@acme.com' });
    slack.users.set('UGUEST', { email: 'ann@acme.com', is_restricted: true });
    slack.channels.set('CPUB', { name: 'general' });
    slack.channels.set('GPRIV', { name: 'proj-harbor', is_private: true, members: ['UANN', 'UBOB', 'UBOT0001'] });
    slack.channels.set('GANN', { name: 'ann-notes', is_private: true, members: ['UANN', 'UBOT0001'] });
    slack.channels.set('CEXT', { name: 'partner-shared', is_ext_shared: true });
  });
  afterAll(() => bot?.close());
  beforeEach(() => slack.reset());

  const event = (ev: Record<string, unknown>) => signedRequest(url, SECRET, eventBody(ev), 'application/json');
  /** Everything the bot sent to Slack since the last reset, as one string. */
  const sent = () =>
    JSON.stringify(
      slack.calls
        .filter((c) => !['users.info', 'conversations.info', 'conversations.members', 'auth.test'].includes(c.method))
        .map((c) => c.args),
    );
  const answered = async (channel: string) => {
    // The answer is posted as a new message (so it notifies), then the "Searching…" placeholder is deleted.
    await slack.waitFor('chat.delete', { where: (c) => c.args.channel === channel });
    await started.app.trajanus.inflight.drain();
    return sent();
  };
  const mention = async (user: string, channel: string, text: string, threadTs?: string) => {
    const ts = newTs();
    await event({
      type: 'app_mention',
      user,
      text: `<@UBOT0001> ${text}`,
      ts,
      channel,
      event_ts: ts,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    return { ts, out: await answered(channel) };
  };
  const dm = async (user: string, channel: string, text: string) => {
    const ts = newTs();
    await event({ type: 'message', channel_type: 'im', user, text, ts, channel, event_ts: ts });
    await slack.waitFor('chat.delete', { where: (c) => c.args.channel === channel });
    await started.app.trajanus.inflight.drain();
    return sent();
  };

  it('DM: the asker’s own documents, and no one else’s', async () => {
    expect(await dm('UANN', 'DANN', 'When is the tower crane inspection notice posted?')).toMatch(CRANE);
    slack.reset();
    const bob = await dm('UBOB', 'DBOB', 'When is the tower crane inspection notice posted?');
    expect(bob).not.toMatch(CRANE); // not as an answer, a source, a title or a "closest document"
    slack.reset();
    expect(await dm('UBOB', 'DBOB', 'Who answers requests for information, and how fast?')).toMatch(RFI); // allowed documents are still found
  });

  it('public channel: only workspace-wide documents, even for an asker who may open more; follow-ups too', async () => {
    const first = await mention('UANN', 'CPUB', 'When is the tower crane inspection notice posted?');
    expect(first.out).not.toMatch(CRANE);
    slack.reset();
    const follow = await mention('UANN', 'CPUB', 'And the RFI procedure, who answers RFIs?', first.ts);
    expect(follow.out).not.toMatch(RFI);
    slack.reset();
    expect((await mention('UANN', 'CPUB', 'How long is a hot work permit valid?')).out).toMatch(/eight hours/);
  });

  it('private channel: what every member may open; a member leaving is seen at once', async () => {
    const both = await mention('UANN', 'GPRIV', 'Who answers requests for information and the crane inspection notice?');
    expect(both.out).toMatch(RFI);
    expect(both.out).not.toMatch(CRANE);
    slack.reset();
    slack.channels.set('GPRIV', { name: 'proj-harbor', is_private: true, members: ['UANN', 'UBOT0001'] });
    await event({ type: 'member_left_channel', user: 'UBOB', channel: 'GPRIV', channel_type: 'G', event_ts: newTs() });
    expect((await mention('UANN', 'GPRIV', 'When is the tower crane inspection notice posted?')).out).toMatch(CRANE);
    slack.reset();
    // Bob asking in Ann's private channel: he may not open the notice himself.
    expect((await mention('UBOB', 'GANN', 'When is the tower crane inspection notice posted?')).out).not.toMatch(CRANE);
  });

  it('Slack Connect: only documents shared with anyone', async () => {
    const out = (await mention('UANN', 'CEXT', 'How long is a hot work permit valid?')).out;
    expect(out).not.toMatch(/eight hours|Hot work permits/);
  });

  it('unknown identity (users.info failing, a guest) fails closed and says so in one line', async () => {
    slack.fail('users.info', 'missing_scope');
    const out = await dm('UCAROL', 'DCAROL', 'When is the tower crane inspection notice posted?');
    expect(out).not.toMatch(CRANE);
    expect(out).toContain(IDENTITY_UNKNOWN_NOTE.slice(0, 40));
    slack.reset();
    const guest = await dm('UGUEST', 'DGUEST', 'When is the tower crane inspection notice posted?');
    expect(guest).not.toMatch(CRANE);
    expect(guest).toContain(IDENTITY_UNKNOWN_NOTE.slice(0, 40));
  });

  it('App Home counts only what the viewer may open', async () => {
    const home = async (user: string) => {
      slack.reset();
      await event({ type: 'app_home_opened', user, channel: `D${user}`, tab: 'home', event_ts: newTs() });
      const [pub] = await slack.waitFor('views.publish');
      return JSON.stringify(pub.args.view);
    };
    expect(await home('UANN')).toContain('*Documents*\\n3');
    expect(await home('UBOB')).toContain('*Documents*\\n2');
  });

  it('/trajanus in a public channel answers for the channel, not for the asker alone', async () => {
    await signedRequest(
      url,
      SECRET,
      slashCommandBody({
        text: 'When is the tower crane inspection notice posted?',
        channel_id: 'CPUB',
        user_id: 'UANN',
        response_url: slack.responseUrl(),
      }),
      'application/x-www-form-urlencoded',
    );
    await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CPUB' && !!c.args.thread_ts });
    await started.app.trajanus.inflight.drain();
    const answers = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts);
    expect(answers).toHaveLength(1);
    expect(JSON.stringify(answers[0].args)).not.toMatch(CRANE);
  });
});
