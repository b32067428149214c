// Live answers in Slack with a model (the fake Anthropic API streaming over SSE): status lines with
// real numbers, the draft streamed with chat.startStream / appendStream / stopStream where the
// workspace has them, else by chat.update, and the checked final answer settled in place of the
// draft. A stream that breaks — the model's or Slack's — never leaves half an answer standing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackApp, type StartedSlackApp } from '../../src/bot/app.js';
import { DRAFT_NOTE } from '../../src/bot/live/live-answer.js';
import { createBotMetrics } from '../../src/bot/metrics.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { eventBody, signedRequest, slashCommandBody, startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/slack.js';
import { slackConfig, startFixture, type Fixture } from './fixture.js';

const SECRET = 'live-signing-secret';
let tsSeq = 0;
const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(700000 + ++tsSeq)}`;
const blocksJson = (c: SlackCall) => JSON.stringify(c.args.blocks ?? []);
const isAnswer = (c: SlackCall) => blocksJson(c).includes('feedback_up');

/** The model cites the hot work document by the number the prompt gave it. */
function hotWorkReply(body: any, text: (n: number) => string): string {
  const prompt = String(body.messages.at(-1).content);
  const n = Number(/<source n="(\d+)" title="Hot work permits"/.exec(prompt)?.[1] ?? 1);
  return text(n);
}
const CHECKED = (n: number) =>
  `A hot work permit is valid for one shift and never longer than eight hours [${n}]. The site superintendent signs it [${n}].`;
const WITH_BAD_FIGURE = (n: number) =>
  `The fire watch stays 90 minutes after hot work [${n}]. A hot work permit is valid for one shift and never longer than eight hours [${n}].`;

describe('live answers in Slack (streaming model)', () => {
  let slack: FakeSlack;
  let anthropic: FakeAnthropic;
  let fx: Fixture;
  const apps: StartedSlackApp[] = [];

  async function app(env: Record<string, string> = {}) {
    const started = await startSlackApp({
      config: slackConfig({
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        PORT: '0',
        SLACK_STREAM_INTERVAL_MS: '200',
        ...env,
      }),
      db: fx.db,
      answerer: fx.answerer,
      logger: fx.logger,
      botMetrics: createBotMetrics(),
      host: '127.0.0.1',
      port: 0,
    });
    apps.push(started);
    const url = `http://127.0.0.1:${started.port}/slack/events`;
    return {
      started,
      mention: (channel: string, text: string, user = 'UASK1') => {
        const ts = newTs();
        return signedRequest(
          url,
          SECRET,
          eventBody({ type: 'app_mention', user, text: `<@UBOT0001> ${text}`, ts, channel, event_ts: ts }),
          'application/json',
        ).then(() => ts);
      },
      raw: (body: string, type: string) => signedRequest(url, SECRET, body, type),
    };
  }

  beforeAll(async () => {
    slack = await startFakeSlack();
    anthropic = await startFakeAnthropic();
    fx = await startFixture({ ANSWER_PROVIDER: 'claude', ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: anthropic.url });
  });
  afterAll(async () => {
    for (const a of apps) await a.stop(5000);
    await fx?.close();
    await anthropic?.close();
    await slack?.close();
  });
  beforeEach(() => {
    slack.reset();
    anthropic.breakStreamNext(0, 0);
    anthropic.reply = (body) => hotWorkReply(body, CHECKED);
  });

  it('streams the draft with chat.startStream/appendStream, then settles the checked answer in place of it', async () => {
    const a = await app();
    anthropic.reply = (body) => hotWorkReply(body, WITH_BAD_FIGURE);
    // Hold the model after its first sentence until Slack has been shown it.
    const release = anthropic.pauseStreamAt(10);
    const ts = await a.mention('CLIVE1', 'How long is a hot work permit valid?');
    const [started] = await slack.waitFor('chat.startStream', { where: (c) => c.args.channel === 'CLIVE1' });
    expect(started.args).toMatchObject({ thread_ts: ts, recipient_user_id: 'UASK1', recipient_team_id: 'T0000001' });
    const streamTs = [...slack.streams].find(([, s]) => s.channel === 'CLIVE1')![0];
    const shown = () => slack.streams.get(streamTs)!.text;
    await expect.poll(shown).toContain('90 minutes');
    release();
    const [settled] = await slack.waitFor('chat.update', { where: (c) => c.args.ts === streamTs && isAnswer(c) });
    expect(slack.streams.get(streamTs)!.stopped).toBe(true);
    // The draft said "90 minutes"; the figure check took that statement out of the final answer.
    const final = blocksJson(settled);
    expect(final).toContain('eight hours');
    expect(final).not.toContain('stays 90 minutes');
    expect(final).toContain('Could not verify');
    // Status lines with real numbers, in order, on the placeholder; then the placeholder is gone.
    const placeholder = slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'CLIVE1')!;
    expect(placeholder.args.text).toMatch(/^Searching [\d,]+ documents…$/);
    const statusUpdates = slack.callsOf('chat.update').filter((c) => c.args.channel === 'CLIVE1' && !isAnswer(c));
    expect(statusUpdates.map((c) => c.args.text)).toEqual([expect.stringMatching(/^Reading \d+ sources?…$/)]);
    await slack.waitFor('chat.delete', { where: (c) => c.args.channel === 'CLIVE1' });
    // No second copy of the answer was posted.
    expect(slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CLIVE1' && isAnswer(c))).toHaveLength(0);
  });

  it('a workspace without the streaming API gets the draft by chat.update, asked once, and the answer as a new message', async () => {
    const a = await app();
    slack.fail('chat.startStream', 'unknown_method', 100);
    const release = anthropic.pauseStreamAt(6);
    await a.mention('CLIVE2', 'How long is a hot work permit valid?');
    const [draft] = await slack.waitFor('chat.update', { where: (c) => c.args.channel === 'CLIVE2' && c.args.text === DRAFT_NOTE });
    expect(blocksJson(draft)).toContain('hot work permit');
    release();
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CLIVE2' && isAnswer(c) });
    expect(blocksJson(answer)).toContain('eight hours');
    // The draft lived in the placeholder, which is removed once the answer is posted.
    const [del] = await slack.waitFor('chat.delete', { where: (c) => c.args.channel === 'CLIVE2' });
    expect(del.args.ts).toBe(draft.args.ts);
    // Learnt once: the next answer does not ask for the streaming API again.
    const release2 = anthropic.pauseStreamAt(6);
    await a.mention('CLIVE3', 'Who signs a hot work permit?');
    await slack.waitFor('chat.update', { where: (c) => c.args.channel === 'CLIVE3' && c.args.text === DRAFT_NOTE });
    release2();
    await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CLIVE3' && isAnswer(c) });
    expect(slack.callsOf('chat.startStream')).toHaveLength(1);
  });

  it('a model stream that breaks off halfway ends in the composed answer in place of the draft', async () => {
    const a = await app();
    anthropic.breakStreamNext(1, 8, 'cut');
    const release = anthropic.pauseStreamAt(5);
    await a.mention('CLIVE4', 'How long is a hot work permit valid?');
    const [started] = await slack.waitFor('chat.startStream', { where: (c) => c.args.channel === 'CLIVE4' });
    expect(started.args.chunks?.[0]?.text ?? started.args.markdown_text).toBeTruthy();
    release();
    const [settled] = await slack.waitFor('chat.update', { where: (c) => c.args.channel === 'CLIVE4' && isAnswer(c) });
    const final = blocksJson(settled);
    expect(final).toContain('eight hours');
    expect(final).toMatch(/did not answer/);
  });

  it("Slack's stream failing halfway: the answer is posted anew and the half-streamed draft is deleted", async () => {
    const a = await app();
    slack.fault('chat.appendStream', { fault: { status: 500 }, where: (c) => c.args.channel === 'CLIVE5' });
    slack.fault('chat.stopStream', { fault: { error: 'message_not_in_streaming_state' }, where: (c) => c.args.channel === 'CLIVE5' });
    const release = anthropic.pauseStreamAt(4);
    await a.mention('CLIVE5', 'How long is a hot work permit valid?');
    await slack.waitFor('chat.startStream', { where: (c) => c.args.channel === 'CLIVE5' });
    release();
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CLIVE5' && isAnswer(c) });
    expect(blocksJson(answer)).toContain('eight hours');
    const streamTs = [...slack.streams].find(([, s]) => s.channel === 'CLIVE5')![0];
    await slack.waitFor('chat.delete', { where: (c) => c.args.ts === streamTs });
  });

  it('SLACK_STREAMING=off: no draft, one final answer', async () => {
    const a = await app({ SLACK_STREAMING: 'off' });
    await a.mention('CLIVE6', 'How long is a hot work permit valid?');
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CLIVE6' && isAnswer(c) });
    expect(blocksJson(answer)).toContain('eight hours');
    await a.started.app.trajanus.inflight.drain();
    expect(slack.callsOf('chat.startStream')).toHaveLength(0);
    expect(slack.callsOf('chat.update').filter((c) => c.args.text === DRAFT_NOTE)).toHaveLength(0);
  });

  it('assistant pane: the status says "Searching N documents…", then "Reading N sources…", and is cleared', async () => {
    const a = await app();
    const thread = newTs();
    const assistant_thread = { user_id: 'UAS9', channel_id: 'DLIVE1', thread_ts: thread, context: {} };
    await a.raw(eventBody({ type: 'assistant_thread_started', assistant_thread, event_ts: thread }), 'application/json');
    await slack.waitFor('assistant.threads.setSuggestedPrompts', { where: (c) => c.args.channel_id === 'DLIVE1' });
    const ts = newTs();
    await a.raw(
      eventBody({
        type: 'message',
        channel_type: 'im',
        user: 'UAS9',
        text: 'How long is a hot work permit valid?',
        ts,
        thread_ts: thread,
        channel: 'DLIVE1',
        event_ts: ts,
      }),
      'application/json',
    );
    const statuses = await slack.waitFor('assistant.threads.setStatus', {
      count: 3,
      where: (c) => c.args.channel_id === 'DLIVE1',
    });
    expect(statuses.map((c) => c.args.status)).toEqual([
      expect.stringMatching(/^Searching [\d,]+ documents…$/),
      expect.stringMatching(/^Reading \d+ sources?…$/),
      '',
    ]);
    const settled = [...slack.callsOf('chat.update'), ...slack.callsOf('chat.postMessage')].filter(
      (c) => c.args.channel === 'DLIVE1' && isAnswer(c),
    );
    expect(settled).toHaveLength(1);
  });

  it('/trajanus in a channel: the draft streams in the thread under the posted question', async () => {
    const a = await app();
    const release = anthropic.pauseStreamAt(6);
    await a.raw(
      slashCommandBody({
        text: 'How long is a hot work permit valid?',
        channel_id: 'CLIVE7',
        user_id: 'UCMD1',
        response_url: slack.responseUrl(),
      }),
      'application/x-www-form-urlencoded',
    );
    const [started] = await slack.waitFor('chat.startStream', { where: (c) => c.args.channel === 'CLIVE7' });
    expect(started.args.recipient_user_id).toBe('UCMD1');
    release();
    const [settled] = await slack.waitFor('chat.update', { where: (c) => c.args.channel === 'CLIVE7' && isAnswer(c) });
    expect(settled.args.ts).toBe([...slack.streams].find(([, s]) => s.channel === 'CLIVE7')![0]);
  });
});
