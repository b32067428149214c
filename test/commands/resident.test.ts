// The data folder's socket on its own (the CLI end to end is in cli.test.ts): what a request that
// is not one, an unknown command or a failing one gets back, and that a dead process's socket
// file neither blocks the next server nor hangs a client.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { callResident, residentSocketPath, SOCKET_FILE, serveResident } from '../../src/commands/resident.js';
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
  echo: async (req: unknown) => ({ code: 0, stdout: `${JSON.stringify(req)}\n`, stderr: '' }),
  broken: async () => {
    throw new Error('the database is not responding');
  },
};

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
  expect(await callResident(dir, 'echo', { question: 'hot work?' })).toEqual({ code: 0, stdout: '{"question":"hot work?"}\n', stderr: '' });
  expect(statSync(join(dir, SOCKET_FILE)).mode & 0o777).toBe(0o600);
  await close();
  close = undefined;
  // Closed: the socket file is gone and a client falls back to opening the database itself.
  expect(() => statSync(join(dir, SOCKET_FILE))).toThrow();
  expect(await callResident(dir, 'echo', {})).toBeNull();
});

it('a request that is not JSON, an unknown command and a failing one each get a clear error, and the server stays up', async () => {
  close = await serveResident(dir, handlers, logger);
  expect(JSON.parse(await rawCall('not json\n'))).toEqual({ code: 1, stdout: '', stderr: 'trajanus: the request is not JSON\n' });
  expect(await callResident(dir, 'restore', {})).toEqual({
    code: 1,
    stdout: '',
    stderr: 'trajanus: this process does not serve the command "restore"\n',
  });
  expect(await callResident(dir, 'toString', {})).toMatchObject({ code: 1 }); // not an inherited property either
  expect(await callResident(dir, 'broken', {})).toEqual({ code: 1, stdout: '', stderr: 'trajanus: the database is not responding\n' });
  expect(JSON.parse(await rawCall(`${'x'.repeat(1.5 * 2 ** 20)}`))).toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/request over/),
  });
  expect((await callResident(dir, 'echo', 1))?.stdout).toBe('1\n');
});

it('a socket file left by a process that died does not block the next server, and no client waits on it', async () => {
  writeFileSync(join(dir, SOCKET_FILE), ''); // not even a socket
  expect(await callResident(dir, 'echo', {})).toBeNull();
  close = await serveResident(dir, handlers, logger);
  expect((await callResident(dir, 'echo', 2))?.stdout).toBe('2\n');
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
  expect(await callResident(blocked, 'echo', {})).toBeNull();
  await stop();
});
