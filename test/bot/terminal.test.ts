// `echo "question" | npm start` with no configuration: the real CLI, the embedded database, the
// offline embedder and composer, on a small knowledge folder. It must answer, cite, and exit.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function run(input: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('node', ['bin/trajanus.mjs', 'start'], { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 180_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
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
    writeFileSync(join(kb, 'safety/hot-work.md'), '# Hot Work Permit Procedure\n\nA hot work permit is valid for one shift only, never more than 10 hours. A fire watch stays 60 minutes after hot work ends.\n');
    writeFileSync(join(kb, 'quality/concrete.md'), '# Concrete Pour Checklist\n\nSlump is tested on the first truck and every 50 cubic yards. Cylinders are cast for every 100 cubic yards placed.\n');
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
  }, 240_000);
});
