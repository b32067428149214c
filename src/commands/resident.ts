// The embedded database is one process's folder: while `trajanus start` runs on it, `trajanus ask`
// and `trajanus search` in another terminal could not open it ("in use by process N"). The running
// process therefore answers them over a Unix socket in the data folder, with its database, its warm
// embedding model and its configuration; the command prints what it sends back, byte for byte what
// it would have printed itself. It also spares each ask PGlite's start (~60% of a one-shot ask).
//
// The socket is the same user's: the folder lock already proves the process owns the folder, and
// the socket is created mode 0600 inside it, so it grants nobody anything the folder did not.
// Requests are one JSON line each way; the client side needs only node:net and the configuration,
// so that an ask served this way loads none of the database, model or search code.
import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config.js';
import type { Logger } from '../core/log.js';
import type { Services } from '../core/services.js';
import { ScopeUsageError } from './as-scope.js';

export const SOCKET_FILE = 'trajanus.sock';
/** Beyond ~104 bytes (macOS; 108 on Linux) a Unix socket path cannot be bound. */
const MAX_SOCKET_PATH = 100;
const MAX_REQUEST_BYTES = 1 << 20;

/** What a command prints and returns, computed by whichever process holds the database. */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ResidentRequest {
  command: string;
  request: unknown;
}

export type ResidentHandlers = Record<string, (request: unknown) => Promise<CommandOutput>>;

/** The socket of the embedded database in `dataDir`, or null when its path is too long to bind. */
export function residentSocketPath(dataDir: string): string | null {
  const path = join(resolve(dataDir), SOCKET_FILE);
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH ? path : null;
}

/**
 * Serves `handlers` on the data folder's socket. The caller holds the folder's lock, so a socket
 * file already there was left by a process that died: it is replaced. Resolves to a close function.
 * The socket is a convenience: when it cannot be served the bot runs on without it, and says so.
 * A client that sends no request within `requestWaitMs` is dropped, so that none can hold up a shutdown.
 */
export async function serveResident(
  dataDir: string,
  handlers: ResidentHandlers,
  logger: Logger,
  requestWaitMs = 10_000,
): Promise<() => Promise<void>> {
  const path = residentSocketPath(dataDir);
  const unserved = (why: string) => {
    logger.warn({ dataDir }, `${why}: ask and search from another terminal cannot reach this process`);
    return async () => {};
  };
  if (!path) return unserved(`the data folder's path is too long for a Unix socket`);
  rmSync(path, { force: true });
  const server: Server = createServer((socket) => {
    let buffered = '';
    let answered = false;
    const reply = (out: CommandOutput) => {
      answered = true;
      socket.end(`${JSON.stringify(out)}\n`);
    };
    socket.setEncoding('utf8');
    socket.on('error', () => {}); // a client that went away (Ctrl-C) is no error of ours
    socket.setTimeout(requestWaitMs, () => socket.destroy());
    socket.on('data', (chunk: string) => {
      if (answered) return;
      buffered += chunk;
      if (buffered.length > MAX_REQUEST_BYTES) return reply(failure(`request over ${MAX_REQUEST_BYTES} bytes`));
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      answered = true;
      socket.setTimeout(0); // the answer takes what it takes (the answer model has its own timeouts)
      void handle(buffered.slice(0, end), handlers, logger).then(reply);
    });
  });
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(path, () => {
        server.off('error', fail);
        done();
      });
    });
    chmodSync(path, 0o600);
  } catch (e) {
    server.close();
    return unserved(`the socket ${path} could not be served (${(e as Error).message})`);
  }
  server.on('error', (err) => logger.warn({ err }, 'the ask/search socket failed'));
  logger.info({ socket: path }, 'serving ask and search on the data folder socket');
  return () =>
    new Promise<void>((done) => {
      server.close(() => done());
      rmSync(path, { force: true });
    });
}

async function handle(line: string, handlers: ResidentHandlers, logger: Logger): Promise<CommandOutput> {
  let req: ResidentRequest;
  try {
    req = JSON.parse(line) as ResidentRequest;
  } catch {
    return failure('the request is not JSON');
  }
  const handler = typeof req?.command === 'string' && Object.hasOwn(handlers, req.command) ? handlers[req.command] : undefined;
  if (!handler) return failure(`this process does not serve the command "${String(req?.command)}"`);
  try {
    return await outputOf(req.command, () => handler(req.request));
  } catch (err) {
    logger.error({ err, command: req.command }, 'a command sent over the socket failed');
    return failure((err as Error)?.message ?? String(err));
  }
}

/** `run`'s output; a usage error (a bad --as or --channel) is reported as the command reports one, exit 2. */
async function outputOf(command: string, run: () => Promise<CommandOutput>): Promise<CommandOutput> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof ScopeUsageError)) throw e;
    return { code: 2, stdout: '', stderr: `trajanus ${command}: ${e.message}\n` };
  }
}

function failure(message: string): CommandOutput {
  return { code: 1, stdout: '', stderr: `trajanus: ${message}\n` };
}

/**
 * Sends `request` to the process serving the data folder. Null when none does (no socket, or a
 * stale one: nobody listening), so the caller opens the database itself.
 */
export function callResident(dataDir: string, command: string, request: unknown): Promise<CommandOutput | null> {
  const path = residentSocketPath(dataDir);
  if (!path) return Promise.resolve(null);
  return new Promise((done, fail) => {
    const socket = createConnection(path);
    let connected = false;
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify({ command, request } satisfies ResidentRequest)}\n`);
    });
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected && ['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'].includes(err.code ?? '')) done(null);
      else fail(new Error(`the trajanus process serving ${dataDir} failed to answer: ${err.message}`));
    });
    socket.on('close', () => {
      if (!connected) return;
      try {
        done(JSON.parse(received) as CommandOutput);
      } catch {
        fail(new Error(`the trajanus process serving ${dataDir} closed the connection without an answer (did it stop?)`));
      }
    });
  });
}

/** Prints a command's output as the command itself would have, and returns its exit code. */
function printOutput(out: CommandOutput): number {
  if (out.stdout) process.stdout.write(out.stdout);
  if (out.stderr) process.stderr.write(out.stderr);
  return out.code;
}

/**
 * Runs a command where the database is: in the process serving the embedded data folder when one
 * does, else here, on services of its own. Prints the output and returns the exit code.
 */
export async function runWhereTheDatabaseIs<R>(
  command: string,
  request: R,
  run: (request: R, services: Services) => Promise<CommandOutput>,
): Promise<number> {
  const config = loadConfig();
  const served = config.DATABASE_URL ? null : await callResident(config.TRAJANUS_DATA_DIR, command, request);
  if (served) return printOutput(served);
  const { createServices } = await import('../core/services.js');
  const services = await createServices(config, { oneShot: true });
  try {
    return printOutput(await outputOf(command, () => run(request, services)));
  } finally {
    await services.close();
  }
}
