// The data folder's socket on its own (the CLI end to end is in cli.test.ts): what a request that
// is not one, an unknown command or a failing one gets back, that either end of another protocol
// version is told so, and that a dead process's socket file neither blocks the next server nor
// hangs a client.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { serveResident } from '../../src/commands/resident.js';
import { callResident, type ResidentRequest, residentSocketPath, SOCKET_FILE } from '../../src/commands/resident-client.js';
import { createLogger } from '../../src/core/log.js';

const dir = mkdtempSync(join(tmpdir(), 'trajanus-sock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger('silent');
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const handlers = {
  echo: async (req: ResidentRequest) => ({ code: 0, stdout: `${JSON.stringify([req.args, req.stdin])}\n`, stderr: '' }),
  broken: async () => {
    throw new Error('the database is not responding');
  },
};

const echo = (...args: string[]) => ({ command: 'echo', args });

/** Sends raw bytes and returns the reply line. */
function rawCall(text: string): Promise<string> {
  return new Promise((done, fail) => {
    const s = createConnection(join(dir, SOCKET_FILE));
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('error', fail);
    s.on('close', () => done(got));
    s.write(text);
  });
}

it('answers a request with the handler output, on a socket only its owner may open', async () => {
  close = await serveResident(dir, handlers, logger);
  expect(await callResident(dir, echo('hot work?', '--json'))).toEqual({ code: 0, stdout: '[["hot work?","--json"],null]\n', stderr: '' });
  expect(await callResident(dir, { ...echo(), stdin: 'hot work?\n' })).toMatchObject({ stdout: '[[],"hot work?\\n"]\n' });
  expect(statSync(join(dir, SOCKET_FILE)).mode & 0o777).toBe(0o600);
  await close();
  close = undefined;
  // Closed: the socket file is gone and a client falls back to opening the database itself.
  expect(() => statSync(join(dir, SOCKET_FILE))).toThrow();
  expect(await callResident(dir, echo())).toBeNull();
});

it('a request that is not JSON, an unknown command and a failing one each get a clear error, and the server stays up', async () => {
  close = await serveResident(dir, handlers, logger);
  expect(JSON.parse(await rawCall('not json\n'))).toEqual({ v: 1, code: 1, stdout: '', stderr: 'trajanus: the request is not JSON\n' });
  expect(await callResident(dir, { command: 'restore', args: [] })).toEqual({
    code: 1,
    stdout: '',
    stderr: 'trajanus: this process does not serve the command "restore"\n',
  });
  expect(await callResident(dir, { command: 'toString', args: [] })).toMatchObject({ code: 1 }); // not an inherited property either
  expect(await callResident(dir, { command: 'broken', args: [] })).toEqual({
    code: 1,
    stdout: '',
    stderr: 'trajanus: the database is not responding\n',
  });
  expect(JSON.parse(await rawCall(`${'x'.repeat(1.5 * 2 ** 20)}`))).toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/request is over 1 MiB: ask a shorter question/),
  });
  expect((await callResident(dir, echo('1')))?.stdout).toBe('[["1"],null]\n');
});

it('a socket file left by a process that died does not block the next server, and no client waits on it', async () => {
  writeFileSync(join(dir, SOCKET_FILE), ''); // not even a socket
  expect(await callResident(dir, echo())).toBeNull();
  close = await serveResident(dir, handlers, logger);
  expect((await callResident(dir, echo('2')))?.stdout).toBe('[["2"],null]\n');
});

it('a data folder whose socket path would be too long to bind is not served, and says so', () => {
  expect(residentSocketPath(join(dir, 'x'.repeat(120)))).toBeNull();
  expect(residentSocketPath(dir)).toBe(join(dir, SOCKET_FILE));
});

it('a client that never sends its request does not hold up the close', async () => {
  const stop = await serveResident(dir, handlers, logger, 200);
  const idle = createConnection(join(dir, SOCKET_FILE));
  const dropped = new Promise<void>((done) => idle.on('close', () => done()));
  await new Promise((r) => idle.on('connect', r));
  await stop();
  await dropped;
});

it('a socket that cannot be served leaves the process running without it', async () => {
  const blocked = join(dir, 'no-such-folder');
  const stop = await serveResident(blocked, handlers, logger);
  expect(await callResident(blocked, echo())).toBeNull();
  await stop();
});

it('a request of another protocol version (the previous one sent a parsed request, not arguments) is refused, saying why', async () => {
  close = await serveResident(dir, handlers, logger);
  for (const line of [
    { command: 'echo', request: { question: 'hot work?', json: false } },
    { v: 2, command: 'echo', args: [] },
    { v: 1, command: 'echo', args: ['a', 1] },
    { v: 1, command: 'echo', args: [], stdin: 3 },
  ]) {
    const reply = JSON.parse(await rawCall(`${JSON.stringify(line)}\n`));
    expect(reply, JSON.stringify(line)).toMatchObject({ code: 1, stdout: '' });
    expect(reply.stderr).toMatch(/^trajanus: the request is not one this process understands \(protocol 1.*Restart `trajanus start`/);
  }
});

it('a reply of another protocol version (a bot left running across an upgrade) is an error that says to restart it', async () => {
  // The previous protocol's reply: the output alone, without the version.
  const old = createServer((s) => s.once('data', () => s.end('{"code":1,"stdout":"","stderr":"Invalid input"}\n')));
  await new Promise<void>((done) => old.listen(join(dir, SOCKET_FILE), done));
  try {
    await expect(callResident(dir, echo('hot work?'))).rejects.toThrow(
      /is another version of trajanus \(its socket protocol is not 1\): restart it/,
    );
  } finally {
    await new Promise((done) => old.close(done));
  }
});

it('a server that dies mid-request is a clear error, not a silent fallback', async () => {
  const dying = createServer((s) => s.once('data', () => s.destroy()));
  await new Promise<void>((done) => dying.listen(join(dir, SOCKET_FILE), done));
  try {
    await expect(callResident(dir, echo('hot work?'))).rejects.toThrow(/closed the connection without an answer \(did it stop\?\)/);
  } finally {
    await new Promise((done) => dying.close(done));
  }
});

it('the client end imports only node: built-ins and data-dir.ts, which imports only node: built-ins (dotenv: required for a .env file)', () => {
  // What `trajanus ask` loads before it knows whether a process serves it (cli.test.ts records it at run time).
  const imports = (file: string) =>
    [...readFileSync(resolve(import.meta.dirname, '../..', file), 'utf8').matchAll(/\bfrom '([^']+)'|\bimport\('([^']+)'\)/g)]
      .map((m) => m[1] ?? m[2])
      .filter((spec) => !spec.startsWith('node:'));
  expect(imports('src/commands/resident-client.ts')).toEqual(['../data-dir.js']);
  const dataDir = readFileSync(resolve(import.meta.dirname, '../../src/data-dir.ts'), 'utf8');
  expect(imports('src/data-dir.ts')).toEqual(['dotenv']); // `typeof import('dotenv')`: a type, erased
  expect(dataDir).toMatch(/existsSync\(dotenvPath\)\s*\?\s*\(createRequire\(import\.meta\.url\)\('dotenv'\)/);
});
