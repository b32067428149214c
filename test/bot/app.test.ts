// The real Bolt app in HTTP mode on 127.0.0.1, its WebClient pointed at the fake Slack Web API,
// answering with the real answer engine over a small ingested knowledge base. Requests are signed
// exactly as Slack signs them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackApp, slackApiUrl, startSlackApp, type StartedSlackApp } from '../../src/bot/app.js';
import { createBotMetrics } from '../../src/bot/metrics.js';
import { blockActionBody, eventBody, signedRequest, slashCommandBody, type FakeSlack, type SlackCall } from '../fakes/slack.js';
import { slackConfig, type Fixture } from './fixture.js';
import { startHttpBot, type HttpBot } from './http-bot.js';

const SECRET = 'test-signing-secret';
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let tsSeq = 0;
const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(900000 + ++tsSeq)}`;

describe('Slack app over HTTP (Bolt + fake Web API)', () => {
  let fx: Fixture;
  let slack: FakeSlack;
  let started: StartedSlackApp;
  let url: string;
  let base: string;
  let bot: HttpBot;

  beforeAll(async () => {
    bot = await startHttpBot({ SLACK_SIGNING_SECRET: SECRET });
    ({ fx, slack, started, url, base } = bot);
  });
  afterAll(() => bot?.close());
  beforeEach(() => slack.reset());

  const command = (text: string, extra: Parameters<typeof slashCommandBody>[0] extends infer T ? Partial<T> : never = {}) =>
    signedRequest(url, SECRET, slashCommandBody({ text, response_url: slack.responseUrl(), ...extra }), FORM);
  const event = (ev: Record<string, unknown>, opts: { eventId?: string; retryNum?: number } = {}) =>
    signedRequest(url, SECRET, eventBody(ev, { eventId: opts.eventId }), JSON_TYPE, { retryNum: opts.retryNum });
  const blocksJson = (c: SlackCall) => JSON.stringify(c.args.blocks ?? []);
  /** Answers are the messages carrying feedback buttons (or an error/usage text), not placeholders. */
  const isAnswer = (c: SlackCall) => blocksJson(c).includes('feedback_up');
  const answersIn = (channel: string, threadTs: string) =>
    [...slack.callsOf('chat.postMessage'), ...slack.callsOf('chat.update')].filter(
      (c) => c.args.channel === channel && isAnswer(c) && (c.method === 'chat.update' || c.args.thread_ts === threadTs),
    );
  /** An answer posted (as a new message, so it notifies) in `channel`. */
  const answerIn = (channel: string) => (c: SlackCall) => c.args.channel === channel && isAnswer(c);
  const isPlaceholder = (c: SlackCall) => String(c.args.text).startsWith('Searching');

  it('serves /healthz (SELECT 1) and /metrics', async () => {
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', database: 'ok' });
    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    expect(await m.text()).toContain('trajanus_questions_total');
  });

  it('slash command: 200 on ack, then the question in the channel and the answer in its thread', async () => {
    // Ack latency is a benchmark figure (npm run bench:slack), not a timed assertion here.
    const res = await command('How long is a hot work permit valid?', { channel_id: 'CSLASH1', user_id: 'UASKER1' });
    expect(res.status).toBe(200);
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CSLASH1' && !!c.args.thread_ts });
    const [question] = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CSLASH1' && !c.args.thread_ts);
    expect(question.args.text).toContain('How long is a hot work permit valid?');
    expect(question.args.text).toContain('<@UASKER1>');
    // The answer is a thread reply to the posted question, with cited sources and feedback buttons.
    const blocks = blocksJson(answer);
    expect(blocks).toContain('eight hours');
    expect(blocks).toContain('[1] Hot work permits');
    expect(blocks).toContain('safety/hot-work-permits.md');
    expect(blocks).toContain('feedback_up');
    expect(blocks).toContain('feedback_down');
    expect(question.at).toBeLessThanOrEqual(answer.at);
    // The answer was logged with the session of that thread.
    const threadTs = answer.args.thread_ts as string;
    const rows = (
      await fx.db.query<{ session_id: string; user_id: string }>(`SELECT session_id, user_id FROM queries WHERE session_id = $1`, [
        `CSLASH1:${threadTs}`,
      ])
    ).rows;
    expect(rows).toEqual([{ session_id: `CSLASH1:${threadTs}`, user_id: 'UASKER1' }]);
  });

  it('/trajanus and /trajanus help answer with the usage, ephemeral, in the ack itself', async () => {
    for (const text of ['', 'help']) {
      const res = await command(text);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { response_type: string; blocks: unknown[] };
      expect(body.response_type).toBe('ephemeral');
      expect(JSON.stringify(body.blocks)).toContain('/trajanus');
    }
    await sleep(200);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(0);
  });

  it('SLACK_ANSWER_VISIBILITY=ephemeral answers with chat.postEphemeral to the asker only', async () => {
    const s2 = await startSlackApp({
      config: slackConfig({
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        PORT: '0',
        SLACK_ANSWER_VISIBILITY: 'ephemeral',
      }),
      db: fx.db,
      answerer: fx.answerer,
      logger: fx.logger,
      botMetrics: createBotMetrics(),
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const res = await signedRequest(
        `http://127.0.0.1:${s2.port}/slack/events`,
        SECRET,
        slashCommandBody({ text: 'Who signs a hot work permit?', channel_id: 'CEPH1', user_id: 'UEPH1' }),
        FORM,
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Searching') });
      const [eph] = await slack.waitFor('chat.postEphemeral', { where: (c) => c.args.channel === 'CEPH1' });
      expect(eph.args.user).toBe('UEPH1');
      expect(blocksJson(eph)).toContain('superintendent');
      expect(slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CEPH1')).toHaveLength(0);
    } finally {
      await s2.stop(5000);
    }
  });

  it('rejects a bad signature (401) and a stale timestamp (401), and answers neither', async () => {
    const body = slashCommandBody({ text: 'How long is a hot work permit valid?', channel_id: 'CBAD1' });
    const forged = await signedRequest(url, 'not-the-secret', body, FORM);
    expect(forged.status).toBe(401);
    const stale = await signedRequest(url, SECRET, body, FORM, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await sleep(500);
    expect(slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CBAD1')).toHaveLength(0);
  });

  it('the same event delivered twice (X-Slack-Retry-Num: 1) is answered once', async () => {
    const ts = newTs();
    const ev = {
      type: 'app_mention',
      user: 'UMENTION1',
      text: '<@UBOT0001> Who answers RFIs and how fast?',
      ts,
      channel: 'CRETRY1',
      event_ts: ts,
    };
    const [a, b] = await Promise.all([
      event(ev, { eventId: 'EvRETRY1' }),
      sleep(30).then(() => event(ev, { eventId: 'EvRETRY1', retryNum: 1 })),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [answer] = await slack.waitFor('chat.postMessage', { where: answerIn('CRETRY1') });
    expect(blocksJson(answer)).toContain('five working days');
    await sleep(500);
    const placeholders = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CRETRY1' && isPlaceholder(c));
    expect(placeholders).toHaveLength(1);
    expect(placeholders[0].args.thread_ts).toBe(ts);
    expect(placeholders[0].args.text).toMatch(/^Searching \d+ documents…$/);
    expect(slack.callsOf('chat.postMessage').filter(answerIn('CRETRY1'))).toHaveLength(1);
    // The placeholder goes once the answer is posted.
    expect(slack.callsOf('chat.delete').filter((c) => c.args.channel === 'CRETRY1')).toHaveLength(1);
    // The mention was stripped before answering.
    const q = (await fx.db.query<{ query_text: string }>('SELECT query_text FROM queries WHERE session_id = $1', [`CRETRY1:${ts}`])).rows;
    expect(q).toEqual([{ query_text: 'Who answers RFIs and how fast?' }]);
  });

  it('app_mention and message for the same ts are answered once; a follow-up without mention continues the thread', async () => {
    const root = newTs();
    const mention = {
      type: 'app_mention',
      user: 'UPM1',
      text: '<@UBOT0001> How long is a hot work permit valid?',
      ts: root,
      channel: 'CTHREAD1',
      event_ts: root,
    };
    const message = {
      type: 'message',
      channel_type: 'channel',
      user: 'UPM1',
      text: mention.text,
      ts: root,
      channel: 'CTHREAD1',
      event_ts: root,
    };
    await Promise.all([event(mention), event(message)]);
    await slack.waitFor('chat.postMessage', { where: answerIn('CTHREAD1') });
    await sleep(400);
    expect(answersIn('CTHREAD1', root)).toHaveLength(1);

    // A reply in that thread, no mention: a follow-up answered in the same session.
    const reply = newTs();
    const followUp = {
      type: 'message',
      channel_type: 'channel',
      user: 'UPM1',
      text: 'And who signs it?',
      ts: reply,
      thread_ts: root,
      channel: 'CTHREAD1',
      event_ts: reply,
    };
    // …and the twin app_mention case inside a thread: a reply that mentions the bot arrives as both events.
    await event(followUp);
    await slack.waitFor('chat.postMessage', { count: 2, where: answerIn('CTHREAD1') });
    const placeholders = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CTHREAD1' && isPlaceholder(c));
    expect(placeholders.map((c) => c.args.thread_ts)).toEqual([root, root]);
    const rows = (
      await fx.db.query<{ query_text: string }>('SELECT query_text FROM queries WHERE session_id = $1 ORDER BY created_at', [
        `CTHREAD1:${root}`,
      ])
    ).rows;
    expect(rows.map((r) => r.query_text)).toEqual(['How long is a hot work permit valid?', 'And who signs it?']);
    const last = slack.callsOf('chat.postMessage').filter(answerIn('CTHREAD1')).at(-1)!;
    expect(blocksJson(last)).toContain('superintendent');

    const twinTs = newTs();
    const twinText = '<@UBOT0001> and the fire watch?';
    await Promise.all([
      event({
        type: 'message',
        channel_type: 'channel',
        user: 'UPM1',
        text: twinText,
        ts: twinTs,
        thread_ts: root,
        channel: 'CTHREAD1',
        event_ts: twinTs,
      }),
      event({ type: 'app_mention', user: 'UPM1', text: twinText, ts: twinTs, thread_ts: root, channel: 'CTHREAD1', event_ts: twinTs }),
    ]);
    await slack.waitFor('chat.postMessage', { count: 3, where: answerIn('CTHREAD1') });
    await sleep(400);
    expect(slack.callsOf('chat.postMessage').filter(answerIn('CTHREAD1'))).toHaveLength(3);
  });

  it('a reply in a thread known only from `queries` (e.g. after a restart) is a follow-up', async () => {
    const root = newTs();
    await fx.db.query(
      `INSERT INTO queries (query_text, kind, session_id, answer) VALUES ('How long is a hot work permit valid?', 'answer', $1, 'One shift.')`,
      [`CDB1:${root}`],
    );
    const ts = newTs();
    await event({
      type: 'message',
      channel_type: 'group',
      user: 'UPM3',
      text: 'Who signs it?',
      ts,
      thread_ts: root,
      channel: 'CDB1',
      event_ts: ts,
    });
    const [u] = await slack.waitFor('chat.postMessage', { where: answerIn('CDB1') });
    expect(blocksJson(u)).toContain('superintendent');
    const rows = (await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM queries WHERE session_id = $1', [`CDB1:${root}`])).rows;
    expect(rows[0].n).toBe(2);
  });

  it('slash command in a conversation the bot is not in: the answer goes privately through response_url', async () => {
    slack.fail('chat.postMessage', 'not_in_channel');
    const res = await command('How long is a hot work permit valid?', { channel_id: 'CNOTIN1' });
    expect(res.status).toBe(200);
    const [r] = await slack.waitFor('response_url');
    expect(r.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(r.args.blocks)).toContain('eight hours');
  });

  it('ignores bot messages, edits, replies in threads the bot never answered, and top-level channel chatter', async () => {
    const ts = newTs();
    await Promise.all([
      event({ type: 'message', channel_type: 'channel', user: 'UPM2', text: 'lunch?', ts, channel: 'CQUIET1', event_ts: ts }),
      event({
        type: 'message',
        channel_type: 'channel',
        user: 'UPM2',
        text: 'reply',
        ts: newTs(),
        thread_ts: ts,
        channel: 'CQUIET1',
        event_ts: ts,
      }),
      event({
        type: 'message',
        channel_type: 'im',
        bot_id: 'BOTHER',
        user: 'UOTHERBOT',
        text: 'I am a bot',
        ts: newTs(),
        channel: 'DQUIET1',
        event_ts: ts,
      }),
      event({
        type: 'message',
        subtype: 'bot_message',
        channel_type: 'im',
        bot_id: 'BOTHER',
        text: 'bot',
        ts: newTs(),
        channel: 'DQUIET1',
        event_ts: ts,
      }),
      event({
        type: 'message',
        channel_type: 'im',
        user: 'UBOT0001',
        text: 'my own message',
        ts: newTs(),
        channel: 'DQUIET1',
        event_ts: ts,
      }),
      event({
        type: 'message',
        subtype: 'message_changed',
        channel_type: 'im',
        channel: 'DQUIET1',
        ts: newTs(),
        event_ts: ts,
        message: { type: 'message', user: 'UPM2', text: 'edited', ts },
      }),
    ]);
    await sleep(600);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(0);
  });

  it('answers a direct message in its thread', async () => {
    const ts = newTs();
    await event({
      type: 'message',
      channel_type: 'im',
      user: 'UDM1',
      text: 'How are urgent RFIs answered?',
      ts,
      channel: 'DDM1',
      event_ts: ts,
    });
    const [u] = await slack.waitFor('chat.postMessage', { where: answerIn('DDM1') });
    expect(blocksJson(u)).toContain('same day');
    expect(u.args.thread_ts).toBe(ts);
  });

  it('assistant panel: greeting and suggested prompts, then status, title and the answer in the thread', async () => {
    const thread = newTs();
    const assistant_thread = {
      user_id: 'UAS1',
      channel_id: 'DAS1',
      thread_ts: thread,
      context: { channel_id: 'CSLASH1', team_id: 'T0000001' },
    };
    await event({ type: 'assistant_thread_started', assistant_thread, event_ts: thread }, { eventId: 'EvASSIST1' });
    await event({ type: 'assistant_thread_started', assistant_thread, event_ts: thread }, { eventId: 'EvASSIST1', retryNum: 1 });
    const [prompts] = await slack.waitFor('assistant.threads.setSuggestedPrompts');
    expect(prompts.args).toMatchObject({ channel_id: 'DAS1', thread_ts: thread });
    expect(prompts.args.prompts.length).toBeGreaterThan(0);
    const greeting = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'DAS1');
    expect(greeting).toHaveLength(1);
    expect(greeting[0].args).toMatchObject({ thread_ts: thread, text: expect.stringContaining('documents') });

    const ts = newTs();
    await event({
      type: 'message',
      channel_type: 'im',
      user: 'UAS1',
      text: 'How long is a hot work permit valid?',
      ts,
      thread_ts: thread,
      channel: 'DAS1',
      event_ts: ts,
    });
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'DAS1' && isAnswer(c) });
    expect(answer.args.thread_ts).toBe(thread);
    expect(blocksJson(answer)).toContain('eight hours');
    const [status] = slack.callsOf('assistant.threads.setStatus');
    expect(status.args).toMatchObject({
      channel_id: 'DAS1',
      thread_ts: thread,
      status: expect.stringMatching(/^Searching \d+ documents…$/),
    });
    expect(status.at).toBeLessThanOrEqual(answer.at);
    expect(slack.callsOf('assistant.threads.setTitle')[0].args.title).toBe('How long is a hot work permit valid?');
    const rows = (await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM queries WHERE session_id = $1', [`DAS1:${thread}`]))
      .rows;
    expect(rows[0].n).toBe(1);
  });

  it('escapes <!channel>, <!here> and <@U…> from documents: nobody is pinged', async () => {
    await command('When is the tower crane inspection notice posted?', { channel_id: 'CESC1' });
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CESC1' && !!c.args.thread_ts });
    const blocks = blocksJson(answer);
    expect(blocks).toContain('&lt;!channel&gt;');
    expect(blocks).toContain('&lt;!here&gt;'); // the source title
    expect(blocks).toContain('&lt;@U999ALL&gt;');
    expect(blocks).not.toMatch(/<!channel>|<!here>|<@U999ALL>/);
    expect(String(answer.args.text)).not.toMatch(/<!channel>|<!here>|<@U999ALL>/);
  });

  it('stores 👍/👎 from a block_actions payload and thanks the user privately', async () => {
    await command('Who signs a hot work permit?', { channel_id: 'CFB1' });
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CFB1' && !!c.args.thread_ts });
    const actions = (answer.args.blocks as any[]).find((b) => b.type === 'actions');
    const up = actions.elements.find((e: any) => e.action_id === 'feedback_up');
    const queryId = up.value as string;
    expect(queryId).toMatch(/^[0-9a-f-]{36}$/);
    const press = (actionId: string, user: string) =>
      signedRequest(
        url,
        SECRET,
        blockActionBody({
          type: 'block_actions',
          team: { id: 'T0000001', domain: 'fake' },
          user: { id: user, username: 'pm', team_id: 'T0000001' },
          api_app_id: 'A0000001',
          token: 'legacy',
          trigger_id: '1.2.3',
          response_url: slack.responseUrl('fb'),
          container: { type: 'message', message_ts: '1.1', channel_id: 'CFB1', is_ephemeral: false },
          channel: { id: 'CFB1', name: 'general' },
          message: { type: 'message', ts: '1.1', thread_ts: answer.args.thread_ts, text: 'answer' },
          actions: [{ type: 'button', action_id: actionId, block_id: 'feedback', value: queryId, action_ts: '1.2' }],
        }),
        FORM,
      );
    expect((await press('feedback_up', 'UFB1')).status).toBe(200);
    const [thanks] = await slack.waitFor('chat.postEphemeral', { where: (c) => c.args.channel === 'CFB1' });
    expect(thanks.args).toMatchObject({ user: 'UFB1', text: expect.stringContaining('Thanks for the feedback') });
    expect((await press('feedback_down', 'UFB2')).status).toBe(200);
    expect((await press('feedback_down', 'UFB1')).status).toBe(200); // a changed vote replaces the first
    await slack.waitFor('chat.postEphemeral', { count: 3, where: (c) => c.args.channel === 'CFB1' });
    const rows = (
      await fx.db.query<{ user_id: string; value: number }>('SELECT user_id, value FROM feedback WHERE query_id = $1 ORDER BY user_id', [
        queryId,
      ])
    ).rows;
    expect(rows).toEqual([
      { user_id: 'UFB1', value: -1 },
      { user_id: 'UFB2', value: -1 },
    ]);
  });

  it('app_home_opened publishes the Home tab with the knowledge-base figures', async () => {
    await fx.db.query(
      `INSERT INTO job_runs (job, status, finished_at) VALUES ('backup', 'ok', now() - interval '2 hours'), ('backup', 'failed', now())`,
    );
    await event({ type: 'app_home_opened', user: 'UHOME1', channel: 'DHOME1', tab: 'home', event_ts: newTs() });
    const [pub] = await slack.waitFor('views.publish');
    expect(pub.args.user_id).toBe('UHOME1');
    const view = pub.args.view;
    expect(view.type).toBe('home');
    const fields = JSON.stringify(view.blocks);
    const docs = (await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents')).rows[0].n;
    const chunks = (await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks')).rows[0].n;
    const questions = (await fx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM queries WHERE kind = 'answer'`)).rows[0].n;
    expect(fields).toContain(`*Documents*\\n${docs}`);
    expect(fields).toContain(`*Chunks*\\n${chunks}`);
    expect(fields).toContain(`*Questions this week*\\n${questions}`);
    expect(fields).toMatch(/\*Last backup\*\\n<!date\^\d+\^/);
    expect(fields).toMatch(/\*Feedback this week\*\\n\d+% 👍/);
  });

  it('counts questions and feedback in /metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/trajanus_questions_total\{surface="command",outcome="received"\} [1-9]/);
    expect(text).toMatch(/trajanus_questions_total\{surface="all",outcome="answered"\} [1-9]/);
    expect(text).toMatch(/trajanus_answer_latency_seconds_count\{outcome="answered"\} [1-9]/);
    expect(text).toMatch(/trajanus_feedback_total\{value="down"\} [1-9]/);
  });

  it('a malformed JSON body gets a 4xx and the app keeps serving', async () => {
    const res = await signedRequest(url, SECRET, '{"type": "event_callback", "event": ', JSON_TYPE);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    const again = await command('help');
    expect(again.status).toBe(200);
  });
});

describe('createSlackApp configuration', () => {
  it('uses Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise; SLACK_API_URL gets the /api/ path', async () => {
    const db = { kind: 'embedded', query: async () => ({ rows: [], rowCount: 0 }) } as any;
    const answerer = {
      answer: async () => {
        throw new Error('not used');
      },
    };
    const logger = (await import('../../src/core/log.js')).createLogger('silent');
    const socket = createSlackApp({
      config: slackConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', PORT: '0' }),
      db,
      answerer,
      logger,
      botMetrics: createBotMetrics(),
    });
    expect(socket.trajanus.mode).toBe('socket');
    const http = createSlackApp({
      config: slackConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: '0' }),
      db,
      answerer,
      logger,
      botMetrics: createBotMetrics(),
    });
    expect(http.trajanus.mode).toBe('http');
    expect(slackApiUrl('http://127.0.0.1:9/')).toBe('http://127.0.0.1:9/api/');
    expect(slackApiUrl('https://proxy.example/slack/api')).toBe('https://proxy.example/slack/api/');
    expect(slackApiUrl(undefined)).toBeUndefined();
  });
});
