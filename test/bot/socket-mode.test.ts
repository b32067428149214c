// The real Bolt app in Socket Mode: its Socket Mode client asks the fake Slack Web API
// (apps.connections.open, with the xapp- app token) for a WebSocket URL, connects to a loopback
// WebSocket server standing in for Slack's, gets `hello`, and then receives envelopes exactly as
// Slack sends them; acks go back over the socket, answers go to the fake Web API.
//
// The WebSocket server is a minimal RFC 6455 implementation on node:http's `upgrade`: `ws` is only a
// devDependency of @slack/socket-mode (which connects with undici's WebSocket), so it is not installed.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackApp, type StartedSlackApp } from '../../src/bot/app.js';
import { createBotMetrics } from '../../src/bot/metrics.js';
import { eventBody, startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/slack.js';
import { slackConfig, startFixture, type Fixture } from './fixture.js';

const APP_TOKEN = 'xapp-1-A0000001-1-test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let tsSeq = 0;
const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(800000 + ++tsSeq)}`;

interface Received {
  data: any;
  at: number;
}

interface FakeSocketServer {
  url: string;
  /** Upgrade requests seen (path and headers). */
  upgrades: { path: string; headers: IncomingMessage['headers'] }[];
  /** Status codes of the close frames the app sent. */
  closeCodes: number[];
  /** Text frames from the app, parsed as JSON. */
  received: Received[];
  /** Sends a JSON text frame to every connected client. */
  send(message: unknown): void;
  /** Resolves with the first received message matching `where` (rejects after timeoutMs). */
  waitFor(where: (m: any) => boolean, timeoutMs?: number): Promise<Received>;
  readonly connections: number;
  close(): Promise<void>;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode; // FIN; server frames are not masked
  if (len < 126) head[1] = len;
  else if (len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** A WebSocket server on 127.0.0.1 that says `hello` like Slack's on connect, answers pings and close frames. */
async function startFakeSocketServer(path = '/link'): Promise<FakeSocketServer> {
  const sockets = new Set<Socket>();
  const upgrades: FakeSocketServer['upgrades'] = [];
  const received: Received[] = [];
  const closeCodes: number[] = [];
  const waiters = new Set<() => void>();
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('upgrade required');
  });
  http.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    upgrades.push({ path: req.url ?? '', headers: req.headers });
    const key = req.headers['sec-websocket-key'];
    if (req.url !== path || typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    // No extensions (permessage-deflate declined) and no subprotocol.
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    let fragments: Buffer[] = [];
    let closing = false;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (buf.length < 2) return;
        const fin = (buf[0] & 0x80) !== 0;
        const opcode = buf[0] & 0x0f;
        const masked = (buf[1] & 0x80) !== 0;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        const maskOff = off;
        if (masked) off += 4;
        if (buf.length < off + len) return;
        const payload = Buffer.from(buf.subarray(off, off + len));
        if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[maskOff + (i % 4)];
        buf = buf.subarray(off + len);
        if (!masked) {
          // RFC 6455 §5.1: a client frame must be masked.
          socket.destroy();
          return;
        }
        switch (opcode) {
          case 0x0: // continuation
          case 0x1: // text
          case 0x2: {
            fragments.push(payload);
            if (!fin) break;
            const text = Buffer.concat(fragments).toString('utf8');
            fragments = [];
            let data: unknown = text;
            try {
              data = JSON.parse(text);
            } catch {
              /* kept as text */
            }
            received.push({ data, at: Date.now() });
            for (const w of [...waiters]) w();
            break;
          }
          case 0x8: // close: echo the status code, then end the TCP connection
            closeCodes.push(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
            if (!closing) {
              closing = true;
              socket.write(frame(0x8, payload.subarray(0, 2)));
            }
            socket.end();
            return;
          case 0x9: // ping → pong with the same payload
            socket.write(frame(0xa, payload));
            break;
          default: // pong
            break;
        }
      }
    });
    socket.write(
      frame(
        0x1,
        Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake' }, connection_info: { app_id: 'A1' } })),
      ),
    );
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}${path}`,
    upgrades,
    closeCodes,
    received,
    send(message) {
      const f = frame(0x1, Buffer.from(JSON.stringify(message)));
      for (const s of sockets) s.write(f);
    },
    waitFor(where, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = received.find((r) => where(r.data));
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for a socket message (have: ${JSON.stringify(received.map((r) => r.data))})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    get connections() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        http.close(() => resolve());
      }),
  };
}

describe('Slack app in Socket Mode (Bolt + fake WebSocket + fake Web API)', () => {
  let fx: Fixture;
  let slack: FakeSlack;
  let ws: FakeSocketServer;
  let started: StartedSlackApp;

  beforeAll(async () => {
    ws = await startFakeSocketServer();
    slack = await startFakeSlack();
    slack.socketModeUrl = ws.url;
    fx = await startFixture();
    // No SLACK_SIGNING_SECRET: Socket Mode does not need one.
    const config = slackConfig({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: slack.url, PORT: '0' });
    started = await startSlackApp({ config, db: fx.db, answerer: fx.answerer, logger: fx.logger, botMetrics: createBotMetrics() });
  });
  afterAll(async () => {
    // The app first: its close frame is answered by the fake, so the client does not try to reconnect.
    await started?.stop(5000);
    await ws?.close();
    await fx?.close();
    await slack?.close();
  });
  beforeEach(() => slack.reset());

  const blocksJson = (c: SlackCall) => JSON.stringify(c.args.blocks ?? []);
  let envelopeSeq = 0;
  const slashCommand = (text: string, fields: { channel_id: string; user_id: string }) => {
    const envelope_id = `e${++envelopeSeq}`;
    ws.send({
      envelope_id,
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        token: 'legacy-verification-token',
        team_id: 'T0000001',
        team_domain: 'fake',
        channel_id: fields.channel_id,
        channel_name: 'general',
        user_id: fields.user_id,
        user_name: 'pm',
        command: '/trajanus',
        text,
        api_app_id: 'A0000001',
        is_enterprise_install: 'false',
        response_url: slack.responseUrl(envelope_id),
        trigger_id: '1.2.3',
      },
    });
    return envelope_id;
  };
  const ackOf = (envelopeId: string) => ws.waitFor((m) => m?.envelope_id === envelopeId);

  it('connects: apps.connections.open with the app token at SLACK_API_URL, then the WebSocket URL it returned', () => {
    const opens = slack.requests.filter((r) => r.path === '/api/apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0].method).toBe('POST');
    expect(opens[0].headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
    expect(ws.upgrades.map((u) => u.path)).toEqual(['/link']);
    expect(ws.connections).toBe(1);
    expect(started.app.trajanus.mode).toBe('socket');
  });

  it('serves /healthz and /metrics on the HTTP port', async () => {
    expect(started.port).toBeGreaterThan(0);
    const h = await fetch(`http://127.0.0.1:${started.port}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', database: 'ok' });
    const m = await fetch(`http://127.0.0.1:${started.port}/metrics`);
    expect(m.status).toBe(200);
    expect(await m.text()).toContain('trajanus_questions_total');
  });

  it('slash command: acked over the socket, then the question in the channel and the answer in its thread', async () => {
    const id = slashCommand('How long is a hot work permit valid?', { channel_id: 'CSOCK1', user_id: 'UASKER2' });
    expect(id).toBe('e1');
    const ack = await ackOf('e1');
    // A plain ack: no response payload (the answer is posted, not returned in the ack).
    expect(ack.data).toEqual({ envelope_id: 'e1', payload: {} });
    const [answer] = await slack.waitFor('chat.postMessage', { where: (c) => c.args.channel === 'CSOCK1' && !!c.args.thread_ts });
    const [question] = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CSOCK1' && !c.args.thread_ts);
    expect(question.args.text).toContain('How long is a hot work permit valid?');
    expect(question.args.text).toContain('<@UASKER2>');
    const blocks = blocksJson(answer);
    expect(blocks).toContain('eight hours');
    expect(blocks).toContain('[1] Hot work permits');
    expect(blocks).toContain('safety/hot-work-permits.md');
    expect(blocks).toContain('feedback_up');
    expect(ack.at).toBeLessThanOrEqual(answer.at);
    expect(question.at).toBeLessThanOrEqual(answer.at);
    // Posted with the bot token, not the app token.
    const posts = slack.requests.filter((r) => r.path === '/api/chat.postMessage');
    expect(posts.length).toBeGreaterThan(0);
    for (const p of posts) expect(p.headers.authorization).toBe('Bearer xoxb-test-token');
    const threadTs = answer.args.thread_ts as string;
    const rows = (await fx.db.query<{ user_id: string }>('SELECT user_id FROM queries WHERE session_id = $1', [`CSOCK1:${threadTs}`])).rows;
    expect(rows).toEqual([{ user_id: 'UASKER2' }]);
    expect(slack.callsOf('response_url')).toHaveLength(0);
  });

  it('/trajanus help: the usage comes back as the ack payload over the socket', async () => {
    const id = slashCommand('help', { channel_id: 'CSOCKHELP', user_id: 'UASKER2' });
    const ack = await ackOf(id);
    expect(ack.data.payload.response_type).toBe('ephemeral');
    expect(JSON.stringify(ack.data.payload.blocks)).toContain('/trajanus');
    await sleep(200);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(0);
  });

  it('an events_api app_mention delivered twice (retry_attempt 1, same event_id) is acked twice and answered once', async () => {
    const ts = newTs();
    const ev = {
      type: 'app_mention',
      user: 'UMENTION2',
      text: '<@UBOT0001> Who answers RFIs and how fast?',
      ts,
      channel: 'CSOCKRETRY',
      event_ts: ts,
    };
    const payload = JSON.parse(eventBody(ev, { eventId: 'EvSOCKRETRY1' }));
    ws.send({ envelope_id: 'ev-1', type: 'events_api', accepts_response_payload: false, retry_attempt: 0, retry_reason: '', payload });
    await sleep(30);
    ws.send({
      envelope_id: 'ev-2',
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 1,
      retry_reason: 'timeout',
      payload,
    });
    expect((await ackOf('ev-1')).data).toEqual({ envelope_id: 'ev-1', payload: {} });
    expect((await ackOf('ev-2')).data).toEqual({ envelope_id: 'ev-2', payload: {} });
    // The placeholder, then the answer as a new message in the thread (so it notifies).
    const [, answer] = await slack.waitFor('chat.postMessage', { count: 2, where: (c) => c.args.channel === 'CSOCKRETRY' });
    expect(blocksJson(answer)).toContain('five working days');
    await sleep(500);
    const posts = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CSOCKRETRY');
    expect(posts).toHaveLength(2);
    expect(posts.map((p) => p.args.thread_ts)).toEqual([ts, ts]);
    const q = (await fx.db.query<{ query_text: string }>('SELECT query_text FROM queries WHERE session_id = $1', [`CSOCKRETRY:${ts}`]))
      .rows;
    expect(q).toEqual([{ query_text: 'Who answers RFIs and how fast?' }]);
  });

  // Last: stops the app (afterAll's stop() is then a no-op).
  it('stop(): closes the socket with a close handshake (1000) and the HTTP port', async () => {
    await started.stop(5000);
    for (let i = 0; i < 50 && ws.connections > 0; i++) await sleep(20);
    expect(ws.connections).toBe(0);
    // The server received the client's close frame with 1000: the handshake completed (no timing asserted).
    expect(ws.closeCodes).toEqual([1000]);
    await expect(fetch(`http://127.0.0.1:${started.port}/healthz`)).rejects.toThrow();
  });
});
