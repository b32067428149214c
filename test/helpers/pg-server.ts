// A PostgreSQL server of a test's own (its own data folder and port, from scripts/test-postgres.sh),
// for tests that stop and restart the server under a running process. The shared test server is
// never restarted: other test files are using it.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const script = resolve(import.meta.dirname, '../../scripts/test-postgres.sh');
const run = promisify(execFile);

export interface OwnPgServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** fast: SIGINT (pg_ctl stop -m fast); immediate: SIGQUIT (pg_ctl stop -m immediate, a crash and recovery). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

export async function startOwnPgServer(): Promise<OwnPgServer> {
  const dir = mkdtempSync(join(tmpdir(), 'trajanus-own-pg-'));
  const port = String(await freePort());
  const pidFile = join(dir, 'data', 'postmaster.pid');
  const start = async () => {
    const { stdout } = await run(script, ['start', dir, port], { timeout: 600_000 });
    return stdout
      .trim()
      .split('\n')
      .pop()!
      .replace(/^DATABASE_URL=/, '');
  };
  const url = await start();
  const stop = async (mode: 'fast' | 'immediate') => {
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    // The signals pg_ctl itself sends for these modes.
    process.kill(pid, mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    for (let i = 0; i < 600; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the test server (pid ${pid}) did not stop in 30 s`);
  };
  return {
    url,
    stop,
    start: async () => void (await start()),
    destroy: async () => {
      await stop('fast').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
