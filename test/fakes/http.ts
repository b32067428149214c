// A loopback HTTP server for the fakes of Slack, Drive, OpenAI and Anthropic: the real client
// libraries talk to it over 127.0.0.1, so tests exercise their real request/response handling.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** body parsed as JSON or form data when it is one of those, else undefined */
  json?: any;
  form?: URLSearchParams;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const type = String(req.headers['content-type'] ?? '');
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body };
    try {
      if (type.includes('json') && body.length) rec.json = JSON.parse(body.toString('utf8'));
      if (type.includes('x-www-form-urlencoded')) rec.form = new URLSearchParams(body.toString('utf8'));
    } catch {
      /* malformed bodies are kept raw for the test to inspect */
    }
    requests.push(rec);
    try {
      await handler(rec, res);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(e) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Starts a server-sent event stream as the model APIs send one (text/event-stream, one `event:` /
 * `data:` record per event). `send` writes one record; `cut` drops the connection mid-stream.
 */
export function startEventStream(res: ServerResponse): { send(data: unknown, event?: string): void; end(): void; cut(): void } {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return {
    send(data, event) {
      res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    },
    end: () => res.end(),
    // After what was written has left (an SSE comment line's write callback), so the client saw the start.
    cut: () => void res.write(':\n\n', () => res.socket?.destroy()),
  };
}

/** A reply split into the small pieces a model streams (words with their spaces). */
export function streamPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}
