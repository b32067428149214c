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
// --json prints one line: {"requests","p50_ms","p99_ms","answered", …} over all rounds.
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { startSlackApp } from '../src/bot/app.js';
import { createBotMetrics } from '../src/bot/metrics.js';
import { signedRequest, slashCommandBody, startFakeSlack } from '../test/fakes/slack.js';
import { slackConfig, startFixture } from '../test/bot/fixture.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    'answer-timeout': { type: 'string', default: '120' },
    'same-process': { type: 'boolean', default: false },
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
  const results = await Promise.all(bodies.map(async (body) => {
    const ts = Math.floor(Date.now() / 1000);
    const sig = 'v0=' + createHmac('sha256', secret).update('v0:' + ts + ':' + body).digest('hex');
    const s = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig }, body });
    await res.arrayBuffer();
    return { ms: performance.now() - s, status: res.status };
  }));
  parentPort.postMessage(results);
});`;

type Result = { ms: number; status: number };
let worker: Worker | undefined;
async function send(url: string, bodies: string[]): Promise<Result[]> {
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
    bodies.map(async (body) => {
      const s = performance.now();
      const res = await signedRequest(url, SECRET, body, 'application/x-www-form-urlencoded');
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
const app = await startSlackApp({ config, db: fx.db, answerer: fx.answerer, logger: fx.logger, botMetrics: createBotMetrics(), host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${app.port}/slack/events`;
const isAnswer = (c: { method: string; args: Record<string, any> }) => c.method === 'chat.postMessage' && !!c.args.thread_ts && String(c.args.channel).startsWith('CB');

try {
  // Warm-up: one question end to end (JIT, PGlite caches, auth.test).
  await signedRequest(url, SECRET, slashCommandBody({ text: QUESTIONS[0], channel_id: 'CWARM' }), 'application/x-www-form-urlencoded');
  await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CWARM' && !!c.args.thread_ts, timeoutMs: 60_000 });
  slack.reset();

  const all: number[] = [];
  const perRound: { round: number; p50_ms: number; p99_ms: number; max_ms: number; non200: number; answered: number; answers_s: number }[] = [];
  let answeredTotal = 0;
  let non200Total = 0;
  for (let r = 1; r <= rounds; r++) {
    const before = slack.calls.filter(isAnswer).length;
    const t0 = performance.now();
    const bodies = Array.from({ length: concurrency }, (_, i) => slashCommandBody({ text: QUESTIONS[i % QUESTIONS.length], channel_id: `CB${r}x${i}`, user_id: `UB${i}` }));
    const results = await send(url, bodies);
    const lat = results.map((x) => x.ms).sort((a, b) => a - b);
    const non200 = results.filter((x) => x.status !== 200).length;
    let answered = 0;
    try {
      answered = (await slack.waitFor('chat.postMessage', { count: before + concurrency, where: (c) => isAnswer(c), timeoutMs: Number(values['answer-timeout']) * 1000 })).length - before;
    } catch {
      answered = slack.calls.filter(isAnswer).length - before;
    }
    const answersS = (performance.now() - t0) / 1000;
    all.push(...lat);
    answeredTotal += answered;
    non200Total += non200;
    perRound.push({ round: r, p50_ms: round1(pct(lat, 50)), p99_ms: round1(pct(lat, 99)), max_ms: round1(lat.at(-1)!), non200, answered, answers_s: round1(answersS) });
    log(`round ${r}: ${concurrency} concurrent /trajanus → ack p50 ${round1(pct(lat, 50))} ms, p99 ${round1(pct(lat, 99))} ms, max ${round1(lat.at(-1)!)} ms; non-200 ${non200}; ${answered}/${concurrency} answers reached Slack in ${round1(answersS)} s`);
  }
  all.sort((a, b) => a - b);
  const summary = {
    requests: all.length,
    p50_ms: round1(pct(all, 50)),
    p99_ms: round1(pct(all, 99)),
    answered: answeredTotal,
    non200: non200Total,
    concurrency,
    load_generator: values['same-process'] ? 'same-process' : 'worker-thread',
    rounds: perRound,
  };
  if (values.json) console.log(JSON.stringify(summary));
  else log(`all rounds: ${summary.requests} requests, ack p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms, answered ${summary.answered}/${summary.requests}`);
} finally {
  await worker?.terminate();
  await app.stop(10_000);
  await fx.close();
  await slack.close();
}
