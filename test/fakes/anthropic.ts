// A fake Anthropic Messages API on the loopback server: the real @anthropic-ai/sdk talks to it.
import { sendJson, startEventStream, startFakeServer, streamPieces, type FakeServer, type RecordedRequest } from './http.js';

export interface FakeAnthropic extends FakeServer {
  /** Reply text for a POST /v1/messages body. */
  reply: (body: any) => string;
  /** The next `n` requests fail with `status` (retry-after: 0). */
  failNext(n: number, status?: number): void;
  /** The next `n` requests wait this long before answering (for timeouts). */
  delayNext(n: number, ms: number): void;
  /**
   * The next `n` streamed requests break after `afterDeltas` text deltas: `cut` drops the connection,
   * `error` sends an `event: error` (overloaded_error) as the API does, `truncate` ends the response
   * without message_delta / message_stop.
   */
  breakStreamNext(n: number, afterDeltas: number, how?: 'cut' | 'error' | 'truncate'): void;
  /** The next streamed reply stops after `afterDeltas` deltas until the returned function is called. */
  pauseStreamAt(afterDeltas: number): () => void;
  /** Pause (ms) between streamed deltas (default 0). */
  streamDelayMs: number;
  /** The next `n` requests get a 200 whose body is not a Message. */
  malformedNext(n: number): void;
  messages(): RecordedRequest[];
  /** Lifecycle stage GET /v1/models/:id reports for a model ('active' unless set; unknown ids when set to undefined get 404). */
  lifecycle: Record<string, 'active' | 'deprecated' | 'retired'>;
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  let fail = { left: 0, status: 429 };
  let delay = { left: 0, ms: 0 };
  let malformed = 0;
  let broken = { left: 0, after: 0, how: 'cut' as 'cut' | 'error' | 'truncate' };
  let pause: { after: number; released: Promise<void> } | undefined;
  const fake = {} as FakeAnthropic;
  const server = await startFakeServer(async (req, res) => {
    const model = req.method === 'GET' && /^\/v1\/models\/([^/]+)$/.exec(req.path)?.[1];
    if (model) {
      const lifecycle = fake.lifecycle[decodeURIComponent(model)];
      if (!lifecycle) return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `model: ${model}` } });
      return sendJson(res, 200, {
        type: 'model',
        id: model,
        display_name: model,
        created_at: '2025-09-29T00:00:00Z',
        capabilities: null,
        line: 'sonnet',
        max_input_tokens: null,
        max_tokens: null,
        lifecycle,
        deprecated_at: lifecycle === 'active' ? null : '2026-06-01T00:00:00Z',
        retires_at: lifecycle === 'active' ? null : '2026-11-30T00:00:00Z',
      });
    }
    if (req.method !== 'POST' || req.path !== '/v1/messages')
      return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: req.path } });
    // This SDK generation sends the key as a bearer token; older ones used x-api-key.
    if (!req.headers['x-api-key'] && !req.headers.authorization)
      return sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'an API key is required' } });
    if (delay.left > 0) {
      delay.left--;
      await new Promise((r) => setTimeout(r, delay.ms));
      if (res.destroyed || req.body.length === 0) return;
    }
    if (fail.left > 0) {
      fail.left--;
      const type = fail.status === 429 ? 'rate_limit_error' : fail.status === 529 ? 'overloaded_error' : 'api_error';
      return sendJson(
        res,
        fail.status,
        { type: 'error', error: { type, message: 'fake failure' } },
        { 'retry-after-ms': '1', 'retry-after': '0' },
      );
    }
    if (malformed > 0) {
      malformed--;
      return sendJson(res, 200, { type: 'message', content: 'not a list of blocks' });
    }
    const body = req.json ?? {};
    if (body.stream === true) {
      // The Messages API's event sequence (message_start … content_block_delta … message_stop).
      const id = `msg_fake_${server.requests.length}`;
      const sse = startEventStream(res);
      const send = (type: string, data: Record<string, unknown>) => sse.send({ type, ...data }, type);
      const brk = broken.left > 0 ? { ...broken } : undefined;
      if (brk) broken.left--;
      send('message_start', {
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 10, output_tokens: 1 },
        },
      });
      send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      send('ping', {});
      const pieces = streamPieces(fake.reply(body));
      const hold = pause;
      pause = undefined;
      for (let i = 0; i < pieces.length; i++) {
        if (hold && i === hold.after) await hold.released;
        if (brk && i === brk.after) {
          if (brk.how === 'cut') return sse.cut();
          if (brk.how === 'error') {
            sse.send({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error');
            return sse.end();
          }
          return sse.end();
        }
        send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: pieces[i] } });
        if (fake.streamDelayMs) await new Promise((r) => setTimeout(r, fake.streamDelayMs));
      }
      send('content_block_stop', { index: 0 });
      send('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: pieces.length } });
      send('message_stop', {});
      return sse.end();
    }
    sendJson(res, 200, {
      id: `msg_fake_${server.requests.length}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text: fake.reply(body) }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 10 },
    });
  });
  return Object.assign(fake, server, {
    reply: () => 'fake reply',
    lifecycle: {},
    failNext(n: number, status = 429) {
      fail = { left: n, status };
    },
    delayNext(n: number, ms: number) {
      delay = { left: n, ms };
    },
    malformedNext(n: number) {
      malformed = n;
    },
    breakStreamNext(n: number, afterDeltas: number, how: 'cut' | 'error' | 'truncate' = 'cut') {
      broken = { left: n, after: afterDeltas, how };
    },
    streamDelayMs: 0,
    pauseStreamAt(afterDeltas: number) {
      let release!: () => void;
      pause = { after: afterDeltas, released: new Promise<void>((r) => (release = r)) };
      return () => release();
    },
    messages: () => server.requests.filter((r) => r.path === '/v1/messages'),
  });
}
