// The embedded database is one process's folder: while `trajanus start` runs on it, `trajanus ask`,
// `search`, `status`, `health` and `jobs` in another terminal could not open it ("in use by process
// N"). The running process therefore answers them over a Unix socket in the data folder, with its
// database, its warm embedding model and its configuration; the command prints what it sends back,
// byte for byte what it would have printed itself. It also spares each ask PGlite's start (~60% of
// a one-shot ask).
//
// The socket is the same user's: the folder lock already proves the process owns the folder, and
// the socket is created mode 0600 inside it, so it grants nobody anything the folder did not.
// Requests are one JSON line each way: the command's raw arguments, parsed here by the command's
// own parser, so that the client (resident-client.ts) needs none of the command's code. This file is
// the serving end and the local path; the client's end loads none of it.
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { loadConfig } from '../config.js';
import type { Logger } from '../core/log.js';
import type { Services } from '../core/services.js';
import { type CommandOutput, PROTOCOL, printOutput, type ResidentRequest, residentSocketPath } from './resident-client.js';
import { UsageError } from './types.js';

const MAX_REQUEST_BYTES = 1 << 20;

/** What the process serves, by command name: each runs the request's arguments as that command would. */
export type ResidentHandlers = Record<string, (request: ResidentRequest) => Promise<CommandOutput>>;

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
    logger.warn({ dataDir }, `${why}: ask, search, status, health and jobs from another terminal cannot reach this process`);
    return async () => {};
  };
  if (!path) return unserved(`the data folder's path is too long for a Unix socket`);
  rmSync(path, { force: true });
  const server: Server = createServer((socket) => {
    let buffered = '';
    let answered = false;
    const reply = (out: CommandOutput) => {
      answered = true;
      socket.end(`${JSON.stringify({ v: PROTOCOL, ...out })}\n`);
    };
    socket.setEncoding('utf8');
    socket.on('error', () => {}); // a client that went away (Ctrl-C) is no error of ours
    socket.setTimeout(requestWaitMs, () => socket.destroy());
    socket.on('data', (chunk: string) => {
      if (answered) return;
      buffered += chunk;
      // Only a piped question can be this long, and a question is refused far below it.
      if (buffered.length > MAX_REQUEST_BYTES)
        return reply(
          failure(`the request is over ${MAX_REQUEST_BYTES / 2 ** 20} MiB: ask a shorter question (a few thousand characters at most)`),
        );
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
  server.on('error', (err) => logger.warn({ err }, 'the data folder socket for commands from other terminals failed'));
  logger.info({ socket: path }, 'serving ask, search, status, health and jobs on the data folder socket');
  return () =>
    new Promise<void>((done) => {
      server.close(() => done());
      rmSync(path, { force: true });
    });
}

/** The request in `value`, or null when it is not one of this protocol's (a client of another version). */
function requestOf(value: unknown): ResidentRequest | null {
  const r = value as Partial<ResidentRequest> & { v?: unknown };
  const ok =
    typeof r === 'object' &&
    r !== null &&
    r.v === PROTOCOL &&
    typeof r.command === 'string' &&
    Array.isArray(r.args) &&
    r.args.every((a) => typeof a === 'string') &&
    (r.stdin === undefined || typeof r.stdin === 'string');
  return ok ? { command: r.command!, args: r.args!, stdin: r.stdin } : null;
}

async function handle(line: string, handlers: ResidentHandlers, logger: Logger): Promise<CommandOutput> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return failure('the request is not JSON');
  }
  const req = requestOf(value);
  if (!req)
    return failure(
      `the request is not one this process understands (protocol ${PROTOCOL}: a command and its arguments); is the client another version of trajanus? Restart \`trajanus start\` after an upgrade`,
    );
  const handler = Object.hasOwn(handlers, req.command) ? handlers[req.command] : undefined;
  if (!handler) return failure(`this process does not serve the command "${req.command}"`);
  try {
    return await outputOf(req.command, () => handler(req));
  } catch (err) {
    // An option node:util rejects is the user's to fix, reported as the local command reports it; not this process's error.
    if (!(err as NodeJS.ErrnoException)?.code?.startsWith('ERR_PARSE_ARGS'))
      logger.error({ err, command: req.command }, 'a command sent over the socket failed');
    return failure((err as Error)?.message ?? String(err));
  }
}

/** `run`'s output; a usage error (no question, a bad --as or --channel) is reported as the command reports one, exit 2. */
async function outputOf(command: string, run: () => Promise<CommandOutput>): Promise<CommandOutput> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { code: 2, stdout: '', stderr: `trajanus ${command}: ${e.message}\n` };
  }
}

function failure(message: string): CommandOutput {
  return { code: 1, stdout: '', stderr: `trajanus: ${message}\n` };
}

/**
 * Runs a command here, on services of its own: when no process serves the embedded data folder,
 * or with DATABASE_URL. `parse` turns the arguments into the request (throwing UsageError), before
 * the configuration is read or the database opened. Prints the output and returns the exit code.
 */
export async function runHere<R>(
  command: string,
  parse: () => R | Promise<R>,
  run: (request: R, services: Services) => Promise<CommandOutput>,
): Promise<number> {
  let services: Services | undefined;
  try {
    const out = await outputOf(command, async () => {
      const request = await parse();
      const { createServices } = await import('../core/services.js');
      services = await createServices(loadConfig(), { oneShot: true });
      return run(request, services);
    });
    return printOutput(out);
  } finally {
    await services?.close();
  }
}
