// `npm run bench:slack [-- --concurrency 50] [--rounds 3] [--same-process] [--json]`
//
// The real Bolt app (HTTP mode) on 127.0.0.1 with its WebClient pointed at the loopback fake
// Slack Web API, answering with the real answer engine (PGlite in memory, BM25 + dense search over
// a small ingested knowledge base, offline composer). Each round sends `concurrency` signed
// /trajanus slash commands at once and measures the time to the HTTP response (the ack Slack
// waits 3 s for); then it waits until every answer has reached the fake API.
// The load generator (signing + fetch) runs in a worker thread by default, so its own sends and
// receives are not queued behind the app's work on the main thread (with the embedded database,
// search runs there); --same-process runs it on the app's event loop instead (the harness of the
// README's bare-Bolt floor), where every answer computed also delays the generator itself.
// The same run measures a bare Bolt app whose /trajanus listener only acks (the floor our ack path
// sits on), alternating rounds with ours, and prints the ack p99 ratio (goal ≤ 1.5×). Then a mixed
// burst of 100 requests (slash commands, mentions, DMs) while the fake Web API fails a share of
// calls (429 with Retry-After, 5xx, invalid_blocks): ack p99, answers delivered, and "silent"
// outcomes — a question whose asker received nothing (must be 0).
// --json prints one line: {"requests","p50_ms","p99_ms","answered","bare_p99_ms","p99_ratio","mixed":{…}, …}.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { slackApiUrl, startSlackApp } from '../src/bot/app.js';
import { createBotMetrics } from '../src/bot/metrics.js';
import { eventBody, signedRequest, slashCommandBody, startFakeSlack, type SlackCall } from '../test/fakes/slack.js';
import { slackConfig, startFixture } from '../test/bot/fixture.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    'answer-timeout': { type: 'string', default: '120' },
    'same-process': { type: 'boolean', default: false },
    mixed: { type: 'string', default: '100' },
    'fault-rate': { type: 'string', default: '0.2' },
    json: { type: 'boolean', default: false },
  },
});
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const SECRET = 'bench-signing-secret';
const QUESTIONS = [
  'How long is a hot work permit valid?',
  'Who signs a hot work permit?',
  'How fast are RFIs answered?',
  'When is the tower crane inspection notice posted?',
  'How long does the fire watch stay after hot work?',
];

// Plain JavaScript (evaluated in the worker): Slack's signature, then the POST, timed.
const LOAD_GENERATOR = `
const { parentPort } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
parentPort.on('message', async ({ url, secret, bodies }) => {
  const results = await Promise.all(bodies.map(async (item) => {
    const body = typeof item === 'string' ? item : item.body;
    const type = typeof item === 'string' ? 'application/x-www-form-urlencoded' : item.type;
    const ts = Math.floor(Date.now() / 1000);
    const sig = 'v0=' + createHmac('sha256', secret).update('v0:' + ts + ':' + body).digest('hex');
    const s = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': type, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig }, body });
    await res.arrayBuffer();
    return { ms: performance.now() - s, status: res.status };
  }));
  parentPort.postMessage(results);
});`;

type Result = { ms: number; status: number };
let worker: Worker | undefined;
type Body = string | { body: string; type: string };
async function send(url: string, bodies: Body[]): Promise<Result[]> {
  if (!values['same-process']) {
    worker ??= new Worker(LOAD_GENERATOR, { eval: true });
    const w = worker;
    return new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      w.postMessage({ url, secret: SECRET, bodies });
    });
  }
  return Promise.all(
    bodies.map(async (item) => {
      const s = performance.now();
      const res = await signedRequest(
        url,
        SECRET,
        typeof item === 'string' ? item : item.body,
        typeof item === 'string' ? 'application/x-www-form-urlencoded' : item.type,
      );
      await res.arrayBuffer();
      return { ms: performance.now() - s, status: res.status };
    }),
  );
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const round1 = (x: number) => Math.round(x * 10) / 10;
const log = (s: string) => {
  if (!values.json) console.log(s);
};

const slack = await startFakeSlack();
const fx = await startFixture();
const config = slackConfig({ SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, PORT: '0' });
const app = await startSlackApp({
  config,
  db: fx.db,
  answerer: fx.answerer,
  logger: fx.logger,
  botMetrics: createBotMetrics(),
  host: '127.0.0.1',
  port: 0,
});
const url = `http://127.0.0.1:${app.port}/slack/events`;
const isAnswer = (c: SlackCall) =>
  c.method === 'chat.postMessage' && !c.fault && !!c.args.thread_ts && String(c.args.channel).startsWith('CB');

/** The floor: a bare Bolt app on the same machine whose /trajanus listener only acks. */
async function startBareBolt(): Promise<{ url: string; stop: () => Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
  const bare = new App({
    token: 'xoxb-bench',
    botId: 'BBOT0001',
    botUserId: 'UBOT0001',
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: slackApiUrl(slack.url) },
  });
  bare.command('/trajanus', async ({ ack }) => ack());
  const server = (await bare.start({ port: 0, host: '127.0.0.1' })) as Server;
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, stop: () => bare.stop() as Promise<void> };
}

const bareApp = await startBareBolt();

/** Something reached the asker of `channel`: an answer, an error, a notice — not a placeholder or the echoed question. */
const reachedAsker = (c: SlackCall) =>
  !c.fault &&
  ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'response_url'].includes(c.method) &&
  !/^Searching|^Reading|^Waiting|^Writing|^Answered below| asked: /.test(String(c.args.text ?? ''));

try {
  // Warm-up: one question end to end (JIT, PGlite caches), and the bare app once.
  await signedRequest(url, SECRET, slashCommandBody({ text: QUESTIONS[0], channel_id: 'CWARM' }), 'application/x-www-form-urlencoded');
  await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CWARM' && !!c.args.thread_ts, timeoutMs: 60_000 });
  await send(bareApp.url, [slashCommandBody({ text: 'warm', channel_id: 'CBAREWARM' })]);
  slack.reset();

  const all: number[] = [];
  const bareAll: number[] = [];
  const perRound: {
    round: number;
    p50_ms: number;
    p99_ms: number;
    max_ms: number;
    bare_p99_ms: number;
    non200: number;
    answered: number;
    answers_s: number;
  }[] = [];
  let answeredTotal = 0;
  let non200Total = 0;
  for (let r = 1; r <= rounds; r++) {
    // The bare app's round first, on a quiet machine, then ours; both through the same load generator.
    const bareLat = (
      await send(
        bareApp.url,
        Array.from({ length: concurrency }, (_, i) =>
          slashCommandBody({ text: QUESTIONS[i % QUESTIONS.length], channel_id: `CBARE${r}x${i}`, user_id: `UB${i}` }),
        ),
      )
    )
      .map((x) => x.ms)
      .sort((a, b) => a - b);
    bareAll.push(...bareLat);
    const before = slack.calls.filter(isAnswer).length;
    const t0 = performance.now();
    const bodies = Array.from({ length: concurrency }, (_, i) =>
      slashCommandBody({ text: QUESTIONS[i % QUESTIONS.length], channel_id: `CB${r}x${i}`, user_id: `UB${i}`, team_id: `TB${r}` }),
    );
    const results = await send(url, bodies);
    const lat = results.map((x) => x.ms).sort((a, b) => a - b);
    const non200 = results.filter((x) => x.status !== 200).length;
    let answered = 0;
    try {
      answered =
        (
          await slack.waitFor('chat.postMessage', {
            count: before + concurrency,
            where: (c) => isAnswer(c),
            timeoutMs: Number(values['answer-timeout']) * 1000,
          })
        ).length - before;
    } catch {
      answered = slack.calls.filter(isAnswer).length - before;
    }
    const answersS = (performance.now() - t0) / 1000;
    all.push(...lat);
    answeredTotal += answered;
    non200Total += non200;
    perRound.push({
      round: r,
      p50_ms: round1(pct(lat, 50)),
      p99_ms: round1(pct(lat, 99)),
      max_ms: round1(lat.at(-1)!),
      bare_p99_ms: round1(pct(bareLat, 99)),
      non200,
      answered,
      answers_s: round1(answersS),
    });
    log(
      `round ${r}: ${concurrency} concurrent /trajanus → ack p50 ${round1(pct(lat, 50))} ms, p99 ${round1(pct(lat, 99))} ms (bare Bolt p99 ${round1(pct(bareLat, 99))} ms), max ${round1(lat.at(-1)!)} ms; non-200 ${non200}; ${answered}/${concurrency} answers reached Slack in ${round1(answersS)} s`,
    );
  }
  all.sort((a, b) => a - b);
  bareAll.sort((a, b) => a - b);

  // The mixed burst, with Web API faults on a share of the bot's posts.
  slack.reset();
  const n = Number(values.mixed);
  const rate = Number(values['fault-rate']);
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const faulty = (c: SlackCall) => String(c.args.channel ?? '').startsWith('M') && ['chat.postMessage', 'chat.update'].includes(c.method);
  slack.fault('*', { fault: { status: 429, retryAfter: 1 }, where: (c) => faulty(c) && random() < rate * 0.25 });
  slack.fault('*', { fault: { status: 503 }, where: (c) => faulty(c) && random() < rate * 0.5 });
  slack.fault('*', { fault: { error: 'invalid_blocks' }, where: (c) => faulty(c) && !!c.args.blocks && random() < rate * 0.4 });
  const mixed: { kind: string; channel: string; responseId?: string; body: Body }[] = [];
  for (let i = 0; i < n; i++) {
    const text = QUESTIONS[i % QUESTIONS.length];
    const ts = `${Math.floor(Date.now() / 1000)}.${String(500000 + i).padStart(6, '0')}`;
    if (i % 3 === 0) {
      const channel = `MC${i}`;
      mixed.push({
        kind: 'command',
        channel,
        responseId: `mix${i}`,
        body: slashCommandBody({
          text,
          channel_id: channel,
          user_id: `UM${i}`,
          team_id: 'TMIX',
          response_url: slack.responseUrl(`mix${i}`),
        }),
      });
    } else if (i % 3 === 1) {
      const channel = `MM${i}`;
      mixed.push({
        kind: 'mention',
        channel,
        body: {
          type: 'application/json',
          body: eventBody(
            { type: 'app_mention', user: `UM${i}`, text: `<@UBOT0001> ${text}`, ts, channel, event_ts: ts },
            { teamId: 'TMIX' },
          ),
        },
      });
    } else {
      const channel = `MD${i}`;
      mixed.push({
        kind: 'dm',
        channel,
        body: {
          type: 'application/json',
          body: eventBody({ type: 'message', channel_type: 'im', user: `UM${i}`, text, ts, channel, event_ts: ts }, { teamId: 'TMIX' }),
        },
      });
    }
  }
  const m0 = performance.now();
  const mixedResults = await send(
    url,
    mixed.map((m) => m.body),
  );
  const mixedLat = mixedResults.map((x) => x.ms).sort((a, b) => a - b);
  await app.app.trajanus.inflight.drain(Number(values['answer-timeout']) * 1000);
  const reached = (m: (typeof mixed)[number]) =>
    // response_url posts carry no channel: they are matched by the id in their URL.
    slack.calls.filter(
      (c) => reachedAsker(c) && (c.args.channel === m.channel || (m.responseId !== undefined && c.responseId === m.responseId)),
    );
  const outcomes = mixed.map((m) => {
    const got = reached(m);
    const answer = got.some((c) => /feedback_up/.test(JSON.stringify(c.args.blocks ?? '')) || /Sources/.test(String(c.args.text ?? '')));
    return { kind: m.kind, answer, clearError: !answer && got.length > 0, silent: got.length === 0 };
  });
  const faults = slack.calls.filter((c) => c.fault).length;
  const mixedSummary = {
    requests: n,
    ack_p50_ms: round1(pct(mixedLat, 50)),
    ack_p99_ms: round1(pct(mixedLat, 99)),
    ack_max_ms: round1(mixedLat.at(-1)!),
    non200: mixedResults.filter((x) => x.status !== 200).length,
    answers_delivered: outcomes.filter((o) => o.answer).length,
    clear_errors: outcomes.filter((o) => o.clearError).length,
    silent: outcomes.filter((o) => o.silent).length,
    web_api_faults: faults,
    seconds: round1((performance.now() - m0) / 1000),
  };
  log(
    `mixed burst: ${n} requests (commands, mentions, DMs) with ${faults} Web API faults injected → ack p50 ${mixedSummary.ack_p50_ms} ms, p99 ${mixedSummary.ack_p99_ms} ms, max ${mixedSummary.ack_max_ms} ms; non-200 ${mixedSummary.non200}; answers delivered ${mixedSummary.answers_delivered}, clear errors ${mixedSummary.clear_errors}, silent ${mixedSummary.silent} (in ${mixedSummary.seconds} s)`,
  );

  const summary = {
    requests: all.length,
    p50_ms: round1(pct(all, 50)),
    p99_ms: round1(pct(all, 99)),
    bare_p50_ms: round1(pct(bareAll, 50)),
    bare_p99_ms: round1(pct(bareAll, 99)),
    p99_ratio: Math.round((pct(all, 99) / pct(bareAll, 99)) * 100) / 100,
    answered: answeredTotal,
    non200: non200Total,
    concurrency,
    load_generator: values['same-process'] ? 'same-process' : 'worker-thread',
    rounds: perRound,
    mixed: mixedSummary,
  };
  if (values.json) console.log(JSON.stringify(summary));
  else
    log(
      `all rounds: ${summary.requests} requests, ack p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms; bare Bolt p99 ${summary.bare_p99_ms} ms → ratio ${summary.p99_ratio}× (goal ≤ 1.5×); answered ${summary.answered}/${summary.requests}`,
    );
} finally {
  await worker?.terminate();
  await bareApp.stop();
  await app.stop(10_000);
  await fx.close();
  await slack.close();
}
