// A fake OpenAI API (embeddings + chat completions) on the loopback server: the real `openai` SDK talks to it.
import { createHash } from 'node:crypto';
import { sendJson, startEventStream, startFakeServer, streamPieces, type FakeServer, type RecordedRequest } from './http.js';

/** Deterministic unit vector of `dims` numbers derived from sha256(text). */
export function fakeVector(text: string, dims: number): number[] {
  const v: number[] = [];
  for (let block = 0; v.length < dims; block++) {
    const h = createHash('sha256').update(`${block}:${text}`, 'utf8').digest();
    for (let i = 0; i + 1 < h.length && v.length < dims; i += 2) v.push(h.readUInt16BE(i) / 65535 - 0.5);
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export interface FakeOpenAIOptions {
  /** Vector size when the request has no `dimensions` (default 1536). */
  dimensions?: number;
}

export interface FakeOpenAI extends FakeServer {
  /** Base URL for the SDK (`…/v1`). */
  baseURL: string;
  /** Answer the next `n` requests (any endpoint) with `status` (429 or 5xx), carrying retry-after-ms: 1. */
  failNext(n: number, status?: number): void;
  /** Rewrites every embeddings response before it is sent (to simulate a broken server). */
  mutateEmbeddings?: (body: { data: { index: number; embedding: number[] }[] }) => void;
  /**
   * The next `n` streamed chat completions break after `afterDeltas` deltas: `cut` drops the
   * connection, `truncate` ends the response without a finish_reason or [DONE].
   */
  breakStreamNext(n: number, afterDeltas: number, how?: 'cut' | 'truncate'): void;
  /** Pause (ms) between streamed deltas (default 0). */
  streamDelayMs: number;
  /** Reply text of /v1/chat/completions, from the request body. */
  chatReply: (body: any) => string;
  /** Recorded POST /v1/embeddings requests. */
  embeddingRequests(): RecordedRequest[];
}

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  let failures: { left: number; status: number } = { left: 0, status: 429 };
  let broken = { left: 0, after: 0, how: 'cut' as 'cut' | 'truncate' };
  const fake = {} as FakeOpenAI;
  const server = await startFakeServer(async (req, res) => {
    if (failures.left > 0) {
      failures.left--;
      const s = failures.status;
      return sendJson(
        res,
        s,
        { error: { message: s === 429 ? 'Rate limit reached' : 'Server error', type: s === 429 ? 'rate_limit_exceeded' : 'server_error' } },
        { 'retry-after-ms': '1' },
      );
    }
    if (req.method === 'POST' && req.path === '/v1/embeddings') {
      const body = req.json ?? {};
      const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
      const dims = body.dimensions ?? opts.dimensions ?? 1536;
      const out = {
        object: 'list',
        model: body.model,
        data: input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(String(t), dims) as number[] | string })),
        usage: { prompt_tokens: input.length, total_tokens: input.length },
      };
      fake.mutateEmbeddings?.(out as { data: { index: number; embedding: number[] }[] });
      if (body.encoding_format === 'base64')
        for (const d of out.data) d.embedding = Buffer.from(new Float32Array(d.embedding as number[]).buffer).toString('base64');
      return sendJson(res, 200, out);
    }
    if (req.method === 'POST' && req.path === '/v1/chat/completions') {
      const body = req.json ?? {};
      if (body.stream === true) {
        // chat.completion.chunk records: the role first, then content deltas, a finish_reason, [DONE].
        const sse = startEventStream(res);
        const brk = broken.left > 0 ? { ...broken } : undefined;
        if (brk) broken.left--;
        const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
          sse.send({
            id: 'chatcmpl-fake',
            object: 'chat.completion.chunk',
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
          });
        chunk({ role: 'assistant', content: '' });
        const pieces = streamPieces(fake.chatReply(body));
        for (let i = 0; i < pieces.length; i++) {
          if (brk && i === brk.after) return brk.how === 'cut' ? sse.cut() : sse.end();
          chunk({ content: pieces[i] });
          if (fake.streamDelayMs) await new Promise((r) => setTimeout(r, fake.streamDelayMs));
        }
        chunk({}, 'stop');
        sse.send('[DONE]');
        return sse.end();
      }
      return sendJson(res, 200, {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          { index: 0, message: { role: 'assistant', content: fake.chatReply(body), refusal: null }, finish_reason: 'stop', logprobs: null },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
    }
    sendJson(res, 404, { error: { message: `no fake for ${req.method} ${req.path}` } });
  });
  return Object.assign(fake, server, {
    baseURL: `${server.url}/v1`,
    failNext(n: number, status = 429) {
      failures = { left: n, status };
    },
    chatReply: () => 'fake reply',
    breakStreamNext(n: number, afterDeltas: number, how: 'cut' | 'truncate' = 'cut') {
      broken = { left: n, after: afterDeltas, how };
    },
    streamDelayMs: 0,
    embeddingRequests: () => server.requests.filter((r) => r.path === '/v1/embeddings'),
  });
}
