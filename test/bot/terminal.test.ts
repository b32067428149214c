// `echo "question" | npm start` with no configuration: the real CLI, the embedded database, the
// offline embedder and composer, on a small knowledge folder. It must answer, cite, and exit.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function run(input: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'node',
      ['bin/trajanus.mjs', 'start'],
      { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 180_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

describe('terminal chat (npm start without Slack credentials)', () => {
  it('indexes the knowledge folder, answers piped questions with cited sources, and exits at end of input', async () => {
    const root = mkdtempSync(join(tmpdir(), 'trajanus-terminal-'));
    const kb = join(root, 'kb');
    mkdirSync(join(kb, 'safety'), { recursive: true });
    mkdirSync(join(kb, 'quality'), { recursive: true });
    writeFileSync(
      join(kb, 'safety/hot-work.md'),
      '# Hot Work Permit Procedure\n\nA hot work permit is valid for one shift only, never more than 10 hours. A fire watch stays 60 minutes after hot work ends.\n',
    );
    writeFileSync(
      join(kb, 'quality/concrete.md'),
      '# Concrete Pour Checklist\n\nSlump is tested on the first truck and every 50 cubic yards. Cylinders are cast for every 100 cubic yards placed.\n',
    );
    writeFileSync(join(kb, 'safety/notice.txt'), 'Site notice: <!channel> the gate code changes on Monday.\n');
    const env = { TRAJANUS_DATA_DIR: join(root, 'data'), KNOWLEDGE_DIR: kb, LOG_LEVEL: 'info' };

    const first = await run('How long is a hot work permit valid?\nrecipe for chocolate cake\n', env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/10 hours\.? \[1\]/);
    expect(first.stdout).toMatch(/\[1\] Hot Work Permit Procedure/);
    expect(first.stdout).toMatch(/couldn't find this in the documents/);
    expect(first.stderr).toMatch(/knowledge folder synced/);

    // Second start: the index persists in the data folder; nothing is re-embedded.
    const second = await run('and the fire watch?\n', env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/60 minutes/);
    expect(second.stderr).not.toMatch(/knowledge folder synced/);

    // Started with another KNOWLEDGE_DIR, the folder already indexed is neither replaced nor mixed.
    const other = join(root, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'menu.md'), '# Canteen menu\n\nSoup of the day is tomato.\n');
    const third = await run('How long is a hot work permit valid?\n', { ...env, KNOWLEDGE_DIR: other });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/\[1\] Hot Work Permit Procedure/);
    expect(third.stderr).toMatch(/holds another folder/);
  }, 240_000);

  it('shuts down cleanly on SIGTERM: database closed, its folder lock released, exit code 0', async () => {
    const root = mkdtempSync(join(tmpdir(), 'trajanus-sigterm-'));
    const kb = join(root, 'kb');
    mkdirSync(kb);
    writeFileSync(join(kb, 'crane.md'), '# Crane lifts\n\nLifts stop when sustained wind reaches 20 mph.\n');
    const data = join(root, 'data');
    const child = spawn('node', ['bin/trajanus.mjs', 'start'], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', TRAJANUS_DATA_DIR: data, KNOWLEDGE_DIR: kb, LOG_LEVEL: 'info' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stdin.write('When do crane lifts stop?\n'); // stdin stays open: the chat keeps running
    for (let i = 0; i < 1200 && !/20 mph/.test(stdout); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toMatch(/20 mph/);
    expect(existsSync(join(data, 'trajanus.pid'))).toBe(true);
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/shutting down/);
    expect(existsSync(join(data, 'trajanus.pid'))).toBe(false);
  }, 180_000);
});
