// Runs the `trajanus` entry point as a user runs it (`node bin/trajanus.mjs …`), with no .env and
// the offline defaults unless `env` sets them.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/trajanus.mjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `closeStdout` plays a reader that went away (`| head -1`). Keys, DATABASE_URL and the Slack token are dropped unless `env` gives them. */
export function runCli(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; closeStdout?: boolean; nodeArgs?: string[] },
): Promise<CliRun> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
    env: cliEnv(opts.env),
    cwd: opts.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  if (opts.closeStdout) child.stdout.destroy();
  else child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(opts.input ?? '');
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/** The environment a run gets: this one, silent, without keys, DATABASE_URL or the Slack token unless `env` gives them. */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
  for (const k of ['DATABASE_URL', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN']) if (!env[k]) delete out[k];
  return out;
}
