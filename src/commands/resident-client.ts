// The client end of the data folder's socket (resident.ts serves it): `trajanus ask`, `search`,
// `status`, `health` and `jobs` (the entries marked served) come here first, before their command
// modules load. While `trajanus start` holds the embedded database, the command's raw arguments
// (and ask's question from stdin) go to that process, which parses and runs them exactly as the
// command would have here, and this prints what comes back.
// A served ask then costs little more than Node's own start, so this module loads node: built-ins
// and data-dir.ts only: no zod, no configuration, no database, model or search code. Everything
// else (a bad option, a missing question, --help) is the serving process's to report, or cli.ts's.
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { text } from 'node:stream/consumers';
import { isatty } from 'node:tty';
import { parseArgs } from 'node:util';
import { embeddedDataDir, readEnvironment } from '../data-dir.js';

export const SOCKET_FILE = 'trajanus.sock';
/** Beyond ~104 bytes (macOS; 108 on Linux) a Unix socket path cannot be bound. */
const MAX_SOCKET_PATH = 100;
/**
 * The shape of a request and its reply. Bump it when either changes: a process of another version
 * then says so instead of misreading the other side (a bot left running across an upgrade).
 */
export const PROTOCOL = 1;

/** What a command prints and returns, computed by whichever process holds the database. */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command as typed: its arguments after the command name, and for `ask` the question piped in. */
export interface ResidentRequest {
  command: string;
  args: string[];
  stdin?: string;
}

/** The socket of the embedded database in `dataDir`, or null when its path is too long to bind. */
export function residentSocketPath(dataDir: string): string | null {
  const path = join(resolve(dataDir), SOCKET_FILE);
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH ? path : null;
}

/** `ask`'s options. Here, not in ask.ts, because this module must tell as ask.ts does whether the question is in the arguments. */
export function parseAskArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      category: { type: 'string' },
      type: { type: 'string' },
      as: { type: 'string' },
      channel: { type: 'string' },
    },
  });
}

let stdinText: Promise<string> | undefined;

/**
 * `ask`'s standard input when its arguments hold no question, else undefined. Read once: after a
 * stale socket, the local ask gets what this process already read. A terminal on stdin means
 * nobody is piping a question in (ask then says how to ask instead of waiting); arguments
 * node:util rejects read nothing either, as ask.ts reports them before it would read.
 */
export async function askStdin(args: string[]): Promise<string | undefined> {
  let positionals: string[];
  try {
    ({ positionals } = parseAskArgs(args));
  } catch {
    return undefined;
  }
  // isatty rather than process.stdin.isTTY: the stream (~3 ms to set up) is made only to be read.
  if (positionals.length || isatty(0)) return undefined;
  return (stdinText ??= text(process.stdin));
}

const isOutput = (x: unknown): x is CommandOutput & { v: number } =>
  typeof x === 'object' &&
  x !== null &&
  (x as { v?: unknown }).v === PROTOCOL &&
  typeof (x as CommandOutput).code === 'number' &&
  typeof (x as CommandOutput).stdout === 'string' &&
  typeof (x as CommandOutput).stderr === 'string';

/**
 * Sends `request` to the process serving the data folder. Null when none does (no socket, or a
 * stale one: nobody listening), so the caller opens the database itself.
 */
export function callResident(dataDir: string, request: ResidentRequest): Promise<CommandOutput | null> {
  const path = residentSocketPath(dataDir);
  if (!path) return Promise.resolve(null);
  return new Promise((done, fail) => {
    const socket = createConnection(path);
    let connected = false;
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify({ v: PROTOCOL, ...request })}\n`);
    });
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected && ['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'].includes(err.code ?? '')) done(null);
      else fail(new Error(`the trajanus process serving ${dataDir} failed to answer: ${err.message}`));
    });
    socket.on('close', () => {
      if (!connected) return;
      let reply: unknown;
      try {
        reply = JSON.parse(received);
      } catch {
        return fail(new Error(`the trajanus process serving ${dataDir} closed the connection without an answer (did it stop?)`));
      }
      if (isOutput(reply)) return done({ code: reply.code, stdout: reply.stdout, stderr: reply.stderr });
      fail(
        new Error(
          `the trajanus process serving ${dataDir} is another version of trajanus (its socket protocol is not ${PROTOCOL}): restart it`,
        ),
      );
    });
  });
}

/** Prints a command's output as the command itself would have, and returns its exit code. */
export function printOutput(out: CommandOutput): number {
  if (out.stdout) process.stdout.write(out.stdout);
  if (out.stderr) process.stderr.write(out.stderr);
  return out.code;
}

/**
 * Runs `trajanus <command> <args>` in the process serving the embedded database, if one does, and
 * returns its exit code; null when the command must run here (DATABASE_URL: every process has its
 * own connection; no process serves the folder; or the environment cannot even be read, which
 * loadConfig then reports). The rest of the configuration is not checked here: the serving process
 * answers with its own, as it always has.
 */
export async function runServed(command: string, args: string[]): Promise<number | null> {
  let dataDir: string | null;
  try {
    dataDir = embeddedDataDir(readEnvironment());
  } catch {
    return null;
  }
  if (!dataDir) return null;
  const stdin = command === 'ask' ? await askStdin(args) : undefined;
  const out = await callResident(dataDir, { command, args, ...(stdin === undefined ? {} : { stdin }) });
  return out && printOutput(out);
}
