// Failure paths of Slack delivery (issue 15): the real Bolt app in HTTP mode against a fake Web
// API scripted to fail the way Slack does. Each test names the defect it covers; every question
// must end with its answer or a clear error reaching the asker.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartedSlackApp } from '../../src/bot/app.js';
import { eventBody, signedRequest, slashCommandBody, type FakeSlack, type SlackCall } from '../fakes/slack.js';
import type { Fixture } from './fixture.js';
import { startHttpBot, type HttpBot } from './http-bot.js';

const SECRET = 'delivery-signing-secret';
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let tsSeq = 0;
const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(700000 + ++tsSeq)}`;
const blocksJson = (c: SlackCall) => JSON.stringify(c.args.blocks ?? []);
const isAnswer = (c: SlackCall) =>
  blocksJson(c).includes('feedback_up') || /eight hours|superintendent|five working days/.test(String(c.args.text));
const inChannel = (channel: string) => (c: SlackCall) => c.args.channel === channel;
/** A status line on the placeholder ("Reading 3 sources…"), not an answer. */
const isStatus = (c: SlackCall) => /^(Searching|Reading|Waiting) /.test(String(c.args.text ?? ''));

describe('Slack delivery when Slack fails', () => {
  let fx: Fixture;
  let slack: FakeSlack;
  let started: StartedSlackApp;
  let url: string;
  let base: string;
  const rejections: unknown[] = [];
  const onRejection = (r: unknown) => rejections.push(r);

  let bot: HttpBot;

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    bot = await startHttpBot({ SLACK_SIGNING_SECRET: SECRET, SLACK_API_TIMEOUT_MS: '400' });
    ({ fx, slack, started, url, base } = bot);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await bot?.close();
  });
  beforeEach(() => slack.reset());

  const command = (text: string, extra: Partial<Parameters<typeof slashCommandBody>[0]> = {}) =>
    signedRequest(url, SECRET, slashCommandBody({ text, response_url: slack.responseUrl(), ...extra }), FORM);
  const event = (ev: Record<string, unknown>, opts: { eventId?: string } = {}) =>
    signedRequest(url, SECRET, eventBody(ev, { eventId: opts.eventId }), JSON_TYPE);
  const mention = (channel: string, text: string, ts = newTs()) =>
    event({ type: 'app_mention', user: 'UASK1', text: `<@UBOT0001> ${text}`, ts, channel, event_ts: ts }).then(() => ts);

  it('defect 1: a signed body of `null` (or a number, or an array) gets 400, nothing rejects unhandled, and the app keeps serving', async () => {
    for (const body of ['null', '42', '[]', '"x"']) {
      const res = await signedRequest(url, SECRET, body, JSON_TYPE);
      expect(res.status).toBe(400);
    }
    await sleep(100);
    expect(rejections).toEqual([]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await command('help')).status).toBe(200);
  });

  it('defect 2: when the answer cannot be posted, it replaces the "Searching…" placeholder', async () => {
    slack.fault('chat.postMessage', {
      fault: { status: 500 },
      where: (c) => c.args.channel === 'CD2A' && !String(c.args.text).startsWith('Searching'),
    });
    const ts = await mention('CD2A', 'How long is a hot work permit valid?');
    // (The placeholder's status line, "Reading 3 sources…", is an update too: the answer is the one after it.)
    const [update] = await slack.waitFor('chat.update', { where: (c) => inChannel('CD2A')(c) && !c.fault && !isStatus(c) });
    expect(blocksJson(update)).toContain('eight hours');
    const [placeholder] = slack.delivered('chat.postMessage').filter(inChannel('CD2A'));
    expect(placeholder.args.thread_ts).toBe(ts);
  });

  it('defect 2: when neither a new message nor the update goes through, the asker is told privately what went wrong, with the answer', async () => {
    slack.fault('chat.postMessage', {
      fault: { status: 503 },
      where: (c) => c.args.channel === 'CD2B' && !String(c.args.text).startsWith('Searching'),
    });
    slack.fault('chat.update', { fault: { error: 'cant_update_message' }, where: inChannel('CD2B') });
    await mention('CD2B', 'How long is a hot work permit valid?');
    const [eph] = await slack.waitFor('chat.postEphemeral', { where: inChannel('CD2B') });
    expect(eph.args.user).toBe('UASK1');
    expect(blocksJson(eph)).toContain('eight hours');
    expect(blocksJson(eph)).toContain("Slack's servers returned an error (HTTP 503)");
    expect(blocksJson(eph)).toContain('You can ask again');
  });

  it('defect 3: /trajanus with a persistent 429 on the answer post: the answer comes through response_url, saying why', async () => {
    slack.fault('chat.postMessage', {
      fault: { status: 429, retryAfter: 0 },
      where: (c) => c.args.channel === 'CD3A' && !!c.args.thread_ts,
    });
    const res = await command('How long is a hot work permit valid?', { channel_id: 'CD3A' });
    expect(res.status).toBe(200);
    const [r] = await slack.waitFor('response_url', { timeoutMs: 20_000 });
    expect(r.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(r.args.blocks)).toContain('eight hours');
    expect(JSON.stringify(r.args.blocks), JSON.stringify(r.args.blocks)).toContain('Slack is limiting how fast I can post right now');
  });

  it('defect 3: /trajanus with persistent 5xx, and with a hung Web API call, still reaches the asker', async () => {
    slack.fault('chat.postMessage', { fault: { status: 502 }, where: (c) => c.args.channel === 'CD3B' && !!c.args.thread_ts });
    await command('Who signs a hot work permit?', { channel_id: 'CD3B', response_url: slack.responseUrl('d3b') });
    slack.fault('chat.postMessage', { fault: { hang: true }, where: (c) => c.args.channel === 'CD3C' && !!c.args.thread_ts });
    await command('Who signs a hot work permit?', { channel_id: 'CD3C', response_url: slack.responseUrl('d3c') });
    const replies = await slack.waitFor('response_url', { count: 2, timeoutMs: 30_000 });
    for (const r of replies) expect(JSON.stringify(r.args.blocks)).toContain('superintendent');
    expect(replies.map((r) => JSON.stringify(r.args.blocks)).join(' ')).toMatch(/HTTP 502/);
    expect(replies.map((r) => JSON.stringify(r.args.blocks)).join(' ')).toMatch(/did not answer in time|could not reach Slack/);
  });

  it('defect 3: invalid_blocks falls back to the same answer as plain text', async () => {
    slack.fault('chat.postMessage', {
      fault: { error: 'invalid_blocks' },
      where: (c) => c.args.channel === 'CD3D' && !!c.args.thread_ts && !!c.args.blocks,
    });
    await command('How long is a hot work permit valid?', { channel_id: 'CD3D' });
    const [plain] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CD3D' && !!c.args.thread_ts && !c.fault });
    expect(plain.args.blocks).toBeUndefined();
    expect(plain.args.text).toContain('eight hours');
    expect(plain.args.text).toContain('Sources');
    expect(slack.callsOf('response_url')).toHaveLength(0);
  });

  it('defect 3: the question cannot be posted at all (any error): the answer goes privately with the reason', async () => {
    slack.fault('chat.postMessage', { fault: { error: 'restricted_action' }, where: inChannel('CD3E') });
    await command('How long is a hot work permit valid?', { channel_id: 'CD3E' });
    const [r] = await slack.waitFor('response_url');
    expect(JSON.stringify(r.args.blocks)).toContain('eight hours');
    expect(JSON.stringify(r.args.blocks)).toContain("I can't post in this conversation");
  });

  it('defect 6: text typed in Slack is unescaped once on the way in and escaped once on the way out', async () => {
    await command('What is in the O&amp;M manual &lt;draft&gt; for hot work?', { channel_id: 'CD6' });
    const [question] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CD6' && !c.args.thread_ts });
    expect(question.args.text).toContain('O&amp;M manual &lt;draft&gt;');
    expect(question.args.text).not.toContain('&amp;amp;');
    await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CD6' && !!c.args.thread_ts });
    const rows = (await fx.db.query<{ query_text: string }>(`SELECT query_text FROM queries WHERE session_id LIKE 'CD6:%'`)).rows;
    expect(rows).toEqual([{ query_text: 'What is in the O&M manual <draft> for hot work?' }]);
  });

  it('defect 7: a mention is answered by a new message (it notifies) whose text is the answer in plain words', async () => {
    await mention('CD7', 'How long is a hot work permit valid?');
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => inChannel('CD7')(c) && isAnswer(c) });
    expect(answer.args.text).toContain('eight hours');
    expect(answer.args.text).not.toMatch(/\*\*|Searching/);
    await slack.waitFor('chat.delete', { where: inChannel('CD7') });
  });

  it('defect 8: a DM with a file attached is answered from its text, with a note that attachments are not read; a file alone gets told so', async () => {
    const ts = newTs();
    await event({
      type: 'message',
      subtype: 'file_share',
      channel_type: 'im',
      user: 'UF1',
      text: 'How long is a hot work permit valid?',
      files: [{ id: 'F1', name: 'plan.pdf' }],
      ts,
      channel: 'DD8',
      event_ts: ts,
    });
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => inChannel('DD8')(c) && isAnswer(c) });
    expect(blocksJson(answer)).toContain('eight hours');
    expect(blocksJson(answer)).toContain('Attachments are not read yet');
    const ts2 = newTs();
    await event({
      type: 'message',
      subtype: 'file_share',
      channel_type: 'im',
      user: 'UF1',
      text: '',
      files: [{ id: 'F2', name: 'photo.jpg' }],
      ts: ts2,
      channel: 'DD8B',
      event_ts: ts2,
    });
    const [note] = await slack.waitFor('chat.postMessage', { where: inChannel('DD8B') });
    expect(blocksJson(note)).toContain("I can't read attachments yet");
  });

  it('defect 9: assistant title is set once; the status is cleared even when the answer cannot be delivered; DM thread replies outside the panel are follow-ups', async () => {
    const thread = newTs();
    const assistant_thread = { user_id: 'UAS9', channel_id: 'DAS9', thread_ts: thread, context: {} };
    await event({ type: 'assistant_thread_started', assistant_thread, event_ts: thread });
    await slack.waitFor('assistant.threads.setSuggestedPrompts', { where: (c) => c.args.channel_id === 'DAS9' });
    for (const text of ['How long is a hot work permit valid?', 'And who signs it?']) {
      const ts = newTs();
      await event({ type: 'message', channel_type: 'im', user: 'UAS9', text, ts, thread_ts: thread, channel: 'DAS9', event_ts: ts });
      await slack.waitFor('assistant.threads.setStatus', {
        where: (c) => c.args.channel_id === 'DAS9' && c.args.status === '',
        count: text.startsWith('And') ? 2 : 1,
      });
    }
    expect(
      slack
        .callsOf('assistant.threads.setTitle')
        .filter((c) => c.args.channel_id === 'DAS9')
        .map((c) => c.args.title),
    ).toEqual(['How long is a hot work permit valid?']);

    // Every route fails for this answer: the status still goes.
    slack.fault('chat.postMessage', { fault: { status: 500 }, where: (c) => c.args.channel === 'DAS9' });
    slack.fault('chat.postEphemeral', { fault: { status: 500 }, where: (c) => c.args.channel === 'DAS9' });
    const ts3 = newTs();
    await event({
      type: 'message',
      channel_type: 'im',
      user: 'UAS9',
      text: 'How fast are RFIs answered?',
      ts: ts3,
      thread_ts: thread,
      channel: 'DAS9',
      event_ts: ts3,
    });
    await slack.waitFor('assistant.threads.setStatus', {
      where: (c) => c.args.channel_id === 'DAS9' && c.args.status === '',
      count: 3,
      timeoutMs: 20_000,
    });

    // An ordinary DM, answered in its thread; a reply there is a follow-up for the message listener.
    const dm = newTs();
    await event({
      type: 'message',
      channel_type: 'im',
      user: 'UDM9',
      text: 'How long is a hot work permit valid?',
      ts: dm,
      channel: 'DDM9',
      event_ts: dm,
    });
    await slack.waitFor('chat.postMessage', { where: (c) => inChannel('DDM9')(c) && isAnswer(c) });
    const reply = newTs();
    await event({
      type: 'message',
      channel_type: 'im',
      user: 'UDM9',
      text: 'Who signs it?',
      ts: reply,
      thread_ts: dm,
      channel: 'DDM9',
      event_ts: reply,
    });
    const answers = await slack.waitFor('chat.postMessage', { count: 2, where: (c) => inChannel('DDM9')(c) && isAnswer(c) });
    expect(answers[1].args.thread_ts).toBe(dm);
    expect(slack.callsOf('assistant.threads.setStatus').filter((c) => c.args.channel_id === 'DDM9')).toHaveLength(0);
    const rows = (await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM queries WHERE session_id = $1', [`DDM9:${dm}`])).rows;
    expect(rows[0].n).toBe(2);
  });

  it('defect 10: the usage shows `<your question>` escaped, so Slack does not swallow it', async () => {
    const res = await command('help');
    const body = (await res.json()) as { blocks: unknown[] };
    expect(JSON.stringify(body.blocks)).toContain('&lt;your question&gt;');
    expect(JSON.stringify(body.blocks)).not.toContain('<your question>');
  });
});

describe('Edited and deleted questions', () => {
  let fx: Fixture;
  let slack: FakeSlack;
  let started: StartedSlackApp;
  let url: string;
  let bot: HttpBot;

  beforeAll(async () => {
    bot = await startHttpBot({ SLACK_SIGNING_SECRET: SECRET, SLACK_USER_QUESTIONS_PER_MINUTE: '3' });
    ({ fx, slack, started, url } = bot);
  });
  afterAll(() => bot?.close());
  beforeEach(() => slack.reset());

  const event = (ev: Record<string, unknown>) => signedRequest(url, SECRET, eventBody(ev), JSON_TYPE);
  const answered = async (channel: string, ts: string) => {
    for (let i = 0; i < 100; i++) {
      const r = (
        await fx.db.query<{ query_id: string; answer_ts: string }>(
          'SELECT query_id, answer_ts FROM slack_answers WHERE channel = $1 AND question_ts = $2 ORDER BY created_at',
          [channel, ts],
        )
      ).rows;
      if (r.length) return r;
      await sleep(50);
    }
    throw new Error('no answer recorded');
  };
  const edited = (channel: string, ts: string, text: string, previous: string, user = 'UED1') =>
    event({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel,
      channel_type: 'channel',
      ts: newTs(),
      event_ts: newTs(),
      message: { type: 'message', user, text, ts, edited: { user, ts: newTs() } },
      previous_message: { type: 'message', user, text: previous, ts },
    });

  it('an edited question is answered again in place, noted, and logged as its own row linked to the first', async () => {
    const ts = newTs();
    await event({
      type: 'app_mention',
      user: 'UED1',
      text: '<@UBOT0001> How long is a hot work permit valid?',
      ts,
      channel: 'CED1',
      event_ts: ts,
    });
    const [first] = await answered('CED1', ts);
    slack.reset();
    await edited(
      'CED1',
      ts,
      '<@UBOT0001> Within how many working days does the architect answer RFIs?',
      '<@UBOT0001> How long is a hot work permit valid?',
    );
    const [update] = await slack.waitFor('chat.update', { where: (c) => c.args.channel === 'CED1' && c.args.ts === first.answer_ts });
    expect(blocksJson(update)).toContain('Answer updated for the edited question');
    expect(blocksJson(update)).toContain('five working days');
    let rows: { id: string; edit_of: string | null; query_text: string }[] = [];
    for (let i = 0; i < 100 && rows.length < 2; i++, await sleep(50))
      rows = (
        await fx.db.query<{ id: string; edit_of: string | null; query_text: string }>(
          `SELECT q.id, q.edit_of, q.query_text FROM queries q JOIN slack_answers a ON a.query_id = q.id WHERE a.channel = 'CED1' ORDER BY q.created_at`,
        )
      ).rows;
    expect(rows.map((r) => [r.query_text, r.edit_of])).toEqual([
      ['How long is a hot work permit valid?', null],
      ['Within how many working days does the architect answer RFIs?', first.query_id],
    ]);
    // The edit's buttons carry its own row; the first row keeps its own feedback.
    expect(blocksJson(update)).toContain(rows[1].id);
  });

  it('an edit that leaves the text alone (an unfurl) does nothing; an edit outside the window does nothing', async () => {
    const ts = newTs();
    await event({ type: 'app_mention', user: 'UED2', text: '<@UBOT0001> Who signs a hot work permit?', ts, channel: 'CED2', event_ts: ts });
    await answered('CED2', ts);
    await edited('CED2', ts, '<@UBOT0001> Who signs a hot work permit?', '<@UBOT0001> Who signs a hot work permit?', 'UED2');
    await fx.db.query(`UPDATE slack_answers SET created_at = now() - interval '25 hours' WHERE channel = 'CED2'`);
    await edited(
      'CED2',
      ts,
      '<@UBOT0001> Within how many working days does the architect answer RFIs?',
      '<@UBOT0001> Who signs a hot work permit?',
      'UED2',
    );
    await sleep(800);
    expect(slack.callsOf('chat.update').filter((c) => c.args.channel === 'CED2' && !isStatus(c))).toHaveLength(0);
  });

  it('a deleted question has its answer deleted (or withdrawn in place when Slack refuses) and is marked in queries', async () => {
    const ts = newTs();
    await event({
      type: 'app_mention',
      user: 'UED3',
      text: '<@UBOT0001> How long is a hot work permit valid?',
      ts,
      channel: 'CED3',
      event_ts: ts,
    });
    const [a] = await answered('CED3', ts);
    await event({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel: 'CED3',
      channel_type: 'channel',
      deleted_ts: ts,
      ts: newTs(),
      event_ts: newTs(),
      previous_message: { type: 'message', user: 'UED3', text: 'x', ts },
    });
    await slack.waitFor('chat.delete', { where: (c) => c.args.channel === 'CED3' && c.args.ts === a.answer_ts });
    const row = (
      await fx.db.query<{ deleted: boolean }>('SELECT question_deleted_at IS NOT NULL AS deleted FROM queries WHERE id = $1', [a.query_id])
    ).rows[0];
    expect(row.deleted).toBe(true);

    // A thread's first message replaced by a tombstone (it had replies): Slack refuses the delete, so the answer is withdrawn in place.
    const ts2 = newTs();
    await event({
      type: 'app_mention',
      user: 'UED3',
      text: '<@UBOT0001> Who signs a hot work permit?',
      ts: ts2,
      channel: 'CED4',
      event_ts: ts2,
    });
    const [b] = await answered('CED4', ts2);
    slack.fault('chat.delete', {
      fault: { error: 'cant_delete_message' },
      where: (c) => c.args.channel === 'CED4' && c.args.ts === b.answer_ts,
    });
    await event({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: 'CED4',
      channel_type: 'channel',
      ts: newTs(),
      event_ts: newTs(),
      message: { type: 'message', subtype: 'tombstone', text: 'This message was deleted.', ts: ts2, hidden: true },
      previous_message: { type: 'message', user: 'UED3', text: 'x', ts: ts2 },
    });
    const [withdrawn] = await slack.waitFor('chat.update', { where: (c) => c.args.channel === 'CED4' && c.args.ts === b.answer_ts });
    expect(blocksJson(withdrawn)).toContain('answer was withdrawn');
  });

  it('a person over the per-user limit is told, privately, when to try again', async () => {
    const asks = Array.from({ length: 4 }, () => newTs());
    for (const ts of asks)
      await event({
        type: 'message',
        channel_type: 'im',
        user: 'ULIM1',
        text: 'Who signs a hot work permit?',
        ts,
        channel: 'DLIM1',
        event_ts: ts,
      });
    const [told] = await slack.waitFor('chat.postEphemeral', { where: (c) => c.args.channel === 'DLIM1' });
    expect(told.args.user).toBe('ULIM1');
    expect(blocksJson(told)).toMatch(/try again in \d+ s/);
    await slack.waitFor('chat.postMessage', { count: 3, where: (c) => c.args.channel === 'DLIM1' && isAnswer(c) });
  });
});
