// A fake Slack Web API on the loopback server: the real WebClient inside Bolt talks to it
// (SLACK_API_URL). Every /api/<method> answers {ok:true, …}; calls are recorded by method with
// their arguments decoded (WebClient sends form fields, objects as JSON strings). Also serves
// response_url posts (/response/<id>) and builds signed requests exactly as Slack signs them.
// For Socket Mode, set `socketModeUrl`: apps.connections.open then hands it out to an app-level token.
import { createHmac } from 'node:crypto';
import { sendJson, startFakeServer, type FakeServer } from './http.js';

export interface SlackCall {
  method: string;
  args: Record<string, any>;
  at: number;
  /** Set when the call was answered with a scripted fault instead of success. */
  fault?: SlackFault;
  /** For `response_url` posts: the id in the URL (`responseUrl(id)`). */
  responseId?: string;
}

/**
 * How a scripted call fails, the ways Slack does: `{error}` is HTTP 200 with {ok:false, error};
 * `{status}` an HTTP error (429 carries Retry-After, in seconds); `{hang}` never answers (until the
 * server closes); `{reset}` drops the connection without a response.
 */
export type SlackFault = { error: string } | { status: number; retryAfter?: number } | { hang: true } | { reset: true };

export interface FaultRule {
  fault: SlackFault;
  /** How many matching calls get the fault (default: every one). */
  times?: number;
  /** Only calls for which this returns true (default: all calls of the method). */
  where?: (c: SlackCall) => boolean;
}

export interface FakeSlack extends FakeServer {
  /** Base URL to give as SLACK_API_URL (`…/api/`). */
  apiUrl: string;
  /** A response_url the fake accepts; posts to it are recorded as method `response_url`. */
  responseUrl(id?: string): string;
  calls: SlackCall[];
  callsOf(method: string): SlackCall[];
  /** Resolves when `count` calls of `method` matching `where` have arrived (rejects after timeoutMs). */
  waitFor(method: string, opts?: { count?: number; where?: (c: SlackCall) => boolean; timeoutMs?: number }): Promise<SlackCall[]>;
  /** Answer the next `times` calls of `method` with {ok:false, error}. */
  fail(method: string, error: string, times?: number): void;
  /** Script `method` (or '*' for every method) to fail as `rule` says; rules are tried in the order added. */
  fault(method: string, rule: FaultRule): void;
  /** Successful calls only (what reached Slack). */
  delivered(method: string): SlackCall[];
  /** Streamed messages (chat.startStream … stopStream) by ts: the text as Slack would show it. */
  streams: Map<string, FakeStream>;
  /** Delay (ms) before answering `method` (simulates a slow Slack). */
  delay: Record<string, number>;
  /**
   * The WebSocket URL apps.connections.open answers (Socket Mode). When set, only an app-level token
   * (`Bearer xapp-…`) gets it; any other token gets `invalid_auth`. Unset: `{ok:true}` like any method.
   */
  socketModeUrl?: string;
  reset(): void;
  /**
   * users.info answers: a registered user as given (merged over {id, team_id}); an unregistered one
   * as a member of the fake team with the email `<id>@fake.test`, as Slack would for any real user.
   */
  users: Map<string, FakeSlackUser>;
  /** conversations.info / conversations.members; unregistered ids: D… is a DM, anything else a public channel. */
  channels: Map<string, FakeSlackChannel>;
  readonly ids: { userId: string; botId: string; teamId: string; botUserName: string };
}

export interface FakeStream {
  channel: string;
  threadTs: string;
  text: string;
  stopped: boolean;
}

/** The text a chat.*Stream call adds: `markdown_text`, or its markdown_text chunks. */
function streamText(args: Record<string, any>): string {
  const chunks: { type?: string; text?: string }[] = Array.isArray(args.chunks) ? args.chunks : [];
  return (args.markdown_text ?? '') + chunks.map((c) => (c.type === 'markdown_text' ? (c.text ?? '') : '')).join('');
}

export interface FakeSlackUser {
  email?: string;
  is_bot?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  team_id?: string;
  deleted?: boolean;
}

export interface FakeSlackChannel {
  name: string;
  is_private?: boolean;
  is_im?: boolean;
  is_ext_shared?: boolean;
  members?: string[];
}

function decodeArgs(form: URLSearchParams | undefined, json: any): Record<string, any> {
  if (json && typeof json === 'object') return json;
  const args: Record<string, any> = {};
  for (const [k, v] of form ?? []) {
    if (/^[[{]/.test(v)) {
      try {
        args[k] = JSON.parse(v);
        continue;
      } catch {
        /* plain string */
      }
    }
    args[k] = v;
  }
  return args;
}

export async function startFakeSlack(ids: Partial<FakeSlack['ids']> = {}): Promise<FakeSlack> {
  const who = { userId: 'UBOT0001', botId: 'BBOT0001', teamId: 'T0000001', botUserName: 'trajanus', ...ids };
  const calls: SlackCall[] = [];
  const rules: { method: string; rule: FaultRule; left: number }[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const delay: Record<string, number> = {};
  const waiters = new Set<() => void>();
  const users = new Map<string, FakeSlackUser>();
  const channels = new Map<string, FakeSlackChannel>();
  const streams = new Map<string, FakeStream>();
  let seq = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;

  const server = await startFakeServer(async (req, res) => {
    const args = decodeArgs(req.form, req.json);
    let method: string;
    if (req.path.startsWith('/response/')) method = 'response_url';
    else if (req.path.startsWith('/api/')) method = req.path.slice('/api/'.length);
    else return sendJson(res, 404, { ok: false, error: 'unknown_path' });
    if (delay[method]) await new Promise((r) => setTimeout(r, delay[method]));
    const call: SlackCall = {
      method,
      args,
      at: Date.now(),
      ...(method === 'response_url' ? { responseId: req.path.slice('/response/'.length) } : {}),
    };
    const hit = rules.find((r) => (r.method === method || r.method === '*') && r.left > 0 && (r.rule.where?.(call) ?? true));
    if (hit) {
      hit.left--;
      call.fault = hit.rule.fault;
    }
    calls.push(call);
    for (const w of [...waiters]) w();
    const f = call.fault;
    if (f) {
      if ('error' in f) return sendJson(res, 200, { ok: false, error: f.error });
      if ('status' in f)
        return sendJson(
          res,
          f.status,
          { ok: false, error: `http_${f.status}` },
          f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {},
        );
      if ('hang' in f) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.socket?.destroy();
      return;
    }
    const channel = args.channel ?? args.channel_id ?? 'C0000000';
    switch (method) {
      case 'apps.connections.open': {
        if (fake.socketModeUrl === undefined) return sendJson(res, 200, { ok: true });
        // Slack itself answers not_allowed_token_type to a bot token; invalid_auth is one the Socket Mode
        // client treats as unrecoverable, so a wrong token fails start() at once instead of retrying.
        if (!/^Bearer xapp-/.test(String(req.headers.authorization ?? ''))) return sendJson(res, 200, { ok: false, error: 'invalid_auth' });
        return sendJson(res, 200, { ok: true, url: fake.socketModeUrl });
      }
      case 'response_url':
        return sendJson(res, 200, { ok: true });
      case 'auth.test':
        return sendJson(res, 200, {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: who.botUserName,
          team_id: who.teamId,
          user_id: who.userId,
          bot_id: who.botId,
          is_enterprise_install: false,
        });
      case 'chat.postMessage': {
        const ts = nextTs();
        return sendJson(res, 200, {
          ok: true,
          channel,
          ts,
          message: { type: 'message', text: args.text, ts, thread_ts: args.thread_ts, user: who.userId, bot_id: who.botId },
        });
      }
      // Slack's streaming message API: a thread reply whose text grows chunk by chunk until stopped.
      case 'chat.startStream': {
        if (!args.thread_ts) return sendJson(res, 200, { ok: false, error: 'invalid_arguments' });
        const ts = nextTs();
        streams.set(ts, { channel, threadTs: args.thread_ts, text: streamText(args), stopped: false });
        return sendJson(res, 200, { ok: true, channel, ts });
      }
      case 'chat.appendStream':
      case 'chat.stopStream': {
        const st = streams.get(String(args.ts));
        if (!st || st.stopped) return sendJson(res, 200, { ok: false, error: 'message_not_in_streaming_state' });
        st.text += streamText(args);
        if (method === 'chat.stopStream') st.stopped = true;
        return sendJson(res, 200, { ok: true, channel, ts: args.ts });
      }
      case 'chat.update':
        return sendJson(res, 200, { ok: true, channel, ts: args.ts, text: args.text });
      case 'chat.postEphemeral':
        return sendJson(res, 200, { ok: true, message_ts: nextTs() });
      case 'users.info': {
        const id = String(args.user);
        const u = users.get(id) ?? { email: `${id.toLowerCase()}@fake.test` };
        const { email, ...flags } = u;
        return sendJson(res, 200, {
          ok: true,
          user: { id, team_id: who.teamId, name: id.toLowerCase(), ...flags, profile: email ? { email } : {} },
        });
      }
      case 'conversations.info': {
        const id = String(args.channel);
        const c = channels.get(id) ?? (id.startsWith('D') ? { name: id, is_im: true } : { name: `channel-${id.toLowerCase()}` });
        return sendJson(res, 200, {
          ok: true,
          channel: {
            id,
            name: c.name,
            is_channel: !c.is_im && !c.is_private,
            is_group: !!c.is_private,
            is_im: !!c.is_im,
            is_private: !!c.is_private || !!c.is_im,
            is_ext_shared: !!c.is_ext_shared,
          },
        });
      }
      case 'conversations.members': {
        const all = channels.get(String(args.channel))?.members ?? [];
        const limit = Number(args.limit ?? 100);
        const start = Number(args.cursor || 0);
        const next = start + limit < all.length ? String(start + limit) : '';
        return sendJson(res, 200, { ok: true, members: all.slice(start, start + limit), response_metadata: { next_cursor: next } });
      }
      case 'views.publish':
        return sendJson(res, 200, { ok: true, view: { id: `V${seq++}`, ...args.view } });
      default:
        // assistant.threads.setStatus / setSuggestedPrompts / setTitle, reactions.add, …
        return sendJson(res, 200, { ok: true });
    }
  });

  const fake: FakeSlack = {
    ...server,
    apiUrl: `${server.url}/api/`,
    responseUrl: (id = 'r1') => `${server.url}/response/${id}`,
    calls,
    users,
    channels,
    callsOf: (method) => calls.filter((c) => c.method === method),
    waitFor(method, { count = 1, where = () => true, timeoutMs = 10_000 } = {}) {
      const matching = () => calls.filter((c) => c.method === method && where(c));
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = matching();
          if (m.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out waiting for ${count} × ${method} (have ${matching().length}; all calls: ${calls.map((c) => c.method).join(', ')})`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    fail(method, error, times = 1) {
      rules.push({ method, rule: { fault: { error } }, left: times });
    },
    fault(method, rule) {
      rules.push({ method, rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    delivered: (method) => calls.filter((c) => c.method === method && !c.fault),
    streams,
    delay,
    reset() {
      calls.length = 0;
      rules.length = 0;
      for (const k of Object.keys(delay)) delete delay[k];
      streams.clear();
      for (const res of hanging) res.destroy();
      hanging.clear();
    },
    ids: who,
  };
  return fake;
}

/** Slack's request signature: `v0=` + hex HMAC-SHA256(secret, "v0:<timestamp>:<body>"). */
export function slackSignature(secret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** POSTs `body` to `url` signed as Slack would (timestamp now unless given; X-Slack-Retry-Num when given). */
export async function signedRequest(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  opts: { timestamp?: number; retryNum?: number; signature?: string } = {},
): Promise<Response> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': opts.signature ?? slackSignature(secret, ts, body),
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(url, { method: 'POST', headers, body });
}

/** A slash command body as Slack sends it (form-encoded). */
export function slashCommandBody(fields: {
  text: string;
  user_id?: string;
  channel_id?: string;
  response_url?: string;
  command?: string;
  team_id?: string;
}): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: fields.team_id ?? 'T0000001',
    team_domain: 'fake',
    channel_id: fields.channel_id ?? 'C0000001',
    channel_name: 'general',
    user_id: fields.user_id ?? 'U0000001',
    user_name: 'pm',
    command: fields.command ?? '/trajanus',
    text: fields.text,
    api_app_id: 'A0000001',
    is_enterprise_install: 'false',
    response_url: fields.response_url ?? 'https://hooks.slack.com/commands/T0000001/1/abc',
    trigger_id: '1.2.3',
  }).toString();
}

/** An Events API envelope (JSON). */
export function eventBody(event: Record<string, unknown>, opts: { eventId?: string; teamId?: string; botUserId?: string } = {}): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: opts.teamId ?? 'T0000001',
    api_app_id: 'A0000001',
    event,
    type: 'event_callback',
    event_id: opts.eventId ?? `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { team_id: opts.teamId ?? 'T0000001', user_id: opts.botUserId ?? 'UBOT0001', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  });
}

/** A block_actions interaction, form-encoded as `payload=<json>`. */
export function blockActionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
