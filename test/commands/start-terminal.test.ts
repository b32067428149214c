// `npm start` without Slack in a real terminal (a pseudo-terminal from util-linux `script`): the
// log lines must not print over the `›` prompt or the answers; they go to a file instead.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../bin/trajanus.mjs');
const dir = mkdtempSync(join(tmpdir(), 'trajanus-tty-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the interactive terminal chat keeps log lines off the terminal and in ./trajanus.log', async () => {
  const kb = join(dir, 'kb');
  mkdirSync(kb);
  writeFileSync(join(kb, 'hot-work.md'), '# Hot work permits\n\nA hot work permit is valid for one shift.\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TRAJANUS_DATA_DIR: join(dir, 'data'),
    KNOWLEDGE_DIR: kb,
    LOG_LEVEL: 'info',
    BACKUP_DIR: join(dir, 'backups'),
  };
  for (const k of ['DATABASE_URL', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN', 'DRIVE_FOLDER_IDS', 'LOG_FILE']) delete env[k];
  // stdin, stdout and stderr of the bot are all the pseudo-terminal, as when a person runs it.
  const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} start`, '/dev/null'], {
    cwd: dir,
    env,
  });
  let screen = '';
  const waitFor = (re: RegExp) =>
    new Promise<void>((done, fail) => {
      const check = () => {
        if (re.test(screen)) {
          child.stdout.off('data', check);
          done();
        }
      };
      child.stdout.on('data', (d) => {
        screen += d;
        check();
      });
      child.on('close', () => (re.test(screen) ? done() : fail(new Error(`ended before ${re}:\n${screen}`))));
    });
  const exited = new Promise<number | null>((done) => child.on('close', done));
  await waitFor(/› $/);
  child.stdin.write('How long is a hot work permit valid?\r');
  await waitFor(/one shift[\s\S]*› $/);
  child.stdin.write('exit\r');
  expect(await exited).toBe(0);

  expect(screen).toMatch(/Logs: \.\/trajanus\.log/);
  expect(screen).not.toMatch(/"level":\d+/);
  const logFile = join(dir, 'trajanus.log');
  expect(existsSync(logFile)).toBe(true);
  const logged = readFileSync(logFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(logged.some((l) => l.msg === 'job scheduled')).toBe(true);
}, 300_000);
