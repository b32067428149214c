// Shared by the job tests: a fake Slack Web API that records chat.postMessage calls.
import { startFakeServer, sendJson, type FakeServer, type RecordedRequest } from '../fakes/http.js';

export async function startFakeSlack(): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    if (req.path === '/api/chat.postMessage')
      return sendJson(res, 200, { ok: true, channel: param(req, 'channel'), ts: '1700000000.000100' });
    if (req.path === '/api/auth.test') return sendJson(res, 200, { ok: true, user_id: 'UBOT', team_id: 'T1' });
    sendJson(res, 200, { ok: false, error: 'unknown_method' });
  });
}

/** WebClient sends form-encoded bodies (nested values as JSON strings); accept JSON too. */
export function param(req: RecordedRequest, name: string): string | undefined {
  if (req.form) return req.form.get(name) ?? undefined;
  const v = req.json?.[name];
  return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
}

export function posts(fake: FakeServer) {
  return fake.requests
    .filter((r) => r.path === '/api/chat.postMessage')
    .map((r) => ({
      channel: param(r, 'channel'),
      text: param(r, 'text') ?? '',
      blocks: JSON.parse(param(r, 'blocks') ?? '[]') as unknown[],
    }));
}

/** Every text inside Block Kit blocks, joined: what a reader of the message sees. */
export function blocksText(blocks: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(blocks);
  return out.join('\n');
}

export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
