// Interruption with real signals: `trajanus ingest` and `trajanus start` are spawned on a temporary
// folder and an embedded database, killed (SIGKILL, SIGTERM) in the middle of indexing, and run
// again. The knowledge base must then be whole and resumed: no --replace asked for, no folder
// mixed with another, the abandoned run marked and warned about by `health`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from '../../src/core/db/embedded.js';

const BIN = resolve(import.meta.dirname, '../../bin/trajanus.mjs');
const FILES = 24;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function writeFolder(dir: string, prefix: string) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const n = String(i).padStart(2, '0');
    const paras = Array.from(
      { length: 6 },
      (_, p) =>
        `Paragraph ${p} of ${prefix} note ${n}: the ${prefix} crew checked bay ${i * 7 + p} and logged ${p + i} defects for the ${prefix} punch list before the pour.`,
    );
    writeFileSync(join(dir, `${prefix}-${n}.md`), `# ${prefix} note ${n}\n\n${paras.join('\n\n')}\n`);
  }
}

describe('an interrupted ingest resumes and never leaves a broken knowledge base', () => {
  let dir: string;
  let data: string;
  const env = (extra: Record<string, string> = {}) => {
    const e: NodeJS.ProcessEnv = { ...process.env, TRAJANUS_DATA_DIR: data, LOG_LEVEL: 'warn', EMBEDDING_PROVIDER: 'local', ...extra };
    delete e.DATABASE_URL;
    delete e.OPENAI_API_KEY;
    delete e.SLACK_BOT_TOKEN;
    return e;
  };
  const spawnCli = (args: string[], extra: Record<string, string> = {}) =>
    spawn(process.execPath, [BIN, ...args], { env: env(extra), cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  const collect = (child: ChildProcess, killWhen?: (stderr: string) => NodeJS.Signals | undefined): Promise<Exit> =>
    new Promise((done) => {
      let stdout = '';
      let stderr = '';
      let sent = false;
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => {
        stderr += d;
        const sig = !sent && killWhen?.(stderr);
        if (sig) {
          sent = true;
          child.kill(sig);
        }
      });
      child.on('exit', (code, signal) => done({ code, signal, stdout, stderr }));
    });
  const run = (args: string[], extra: Record<string, string> = {}) => {
    const child = spawnCli(args, extra);
    child.stdin!.end();
    return collect(child);
  };
  /** Indexed files so far, from the progress lines ("… n/24 files"). */
  const filesDone = (stderr: string) => Math.max(0, ...[...stderr.matchAll(/(\d+)\/(\d+) files/g)].map((m) => Number(m[1])));
  const documents = async () => {
    const db = await EmbeddedDatabase.open(data);
    try {
      return (await db.query<{ file_id: string }>('SELECT file_id FROM documents ORDER BY file_id')).rows.map((r) => r.file_id);
    } finally {
      await db.close();
    }
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trajanus-interrupt-'));
    writeFolder(join(dir, 'kb'), 'alpha');
    writeFolder(join(dir, 'other'), 'beta');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingest killed with SIGKILL: health warns about the abandoned run, and a plain re-run resumes it', async () => {
    data = join(dir, 'data-kill');
    const killed = await collect(spawnCli(['ingest', join(dir, 'kb')]), (err) => (filesDone(err) >= 3 ? 'SIGKILL' : undefined));
    expect(killed.signal).toBe('SIGKILL');
    const kept = (await documents()).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(FILES);

    const health = await run(['health', '--json']);
    const report = JSON.parse(health.stdout);
    expect(report.lastIngest.status).toBe('abandoned');
    expect(report.warnings.join('\n')).toMatch(/interrupted.*resumes/i);

    const resumed = await run(['ingest', join(dir, 'kb'), '--json']);
    expect(resumed.stderr).not.toMatch(/--replace/);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary).toMatchObject({ files: FILES, failed: 0, deleted: 0 });
    expect(summary.unchanged).toBe(kept);
    expect(summary.added).toBe(FILES - kept);
    expect(await documents()).toHaveLength(FILES);

    const after = JSON.parse((await run(['health', '--json'])).stdout);
    expect(after.lastIngest.status).toBe('ok');
    expect(after.warnings.join('\n')).not.toMatch(/ingest/i);
  }, 300_000);

  it('start stopped with SIGTERM during its first indexing resumes at the next start', async () => {
    data = join(dir, 'data-start');
    const kb = join(dir, 'kb');
    const child = spawnCli(['start'], { KNOWLEDGE_DIR: kb }); // stdin left open: a chat waiting for questions
    const stopped = await collect(child, (err) => (filesDone(err) >= 3 ? 'SIGTERM' : undefined));
    expect(stopped.code).toBe(0); // a clean stop, not a death by signal
    const kept = (await documents()).length;
    const db = await EmbeddedDatabase.open(data);
    const lastRun = (
      await db.query<{ status: string; error: string }>('SELECT status, error FROM ingest_runs ORDER BY started_at DESC LIMIT 1')
    ).rows[0];
    await db.close();
    expect(lastRun).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/SIGTERM.*next run resumes/) });
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(FILES);

    const again = await run(['start'], { KNOWLEDGE_DIR: kb });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/holds another folder/);
    expect(await documents()).toHaveLength(FILES);
  }, 300_000);

  it('an interrupted --replace is finished by the next start, never left mixing two folders', async () => {
    data = join(dir, 'data-replace');
    const kb = join(dir, 'kb');
    const other = join(dir, 'other');
    expect((await run(['ingest', kb, '--json'])).code).toBe(0);
    const killed = await collect(spawnCli(['ingest', other, '--replace']), (err) => (filesDone(err) >= 3 ? 'SIGKILL' : undefined));
    expect(killed.signal).toBe('SIGKILL');
    const mixed = await documents();
    expect(mixed.some((f) => f.includes('alpha'))).toBe(true);
    expect(mixed.some((f) => f.includes('beta'))).toBe(true);

    // A start with the old folder as KNOWLEDGE_DIR completes the switch that was asked for.
    const started = await run(['start'], { KNOWLEDGE_DIR: kb });
    expect(started.code).toBe(0);
    const docs = await documents();
    expect(docs).toHaveLength(FILES);
    expect(docs.every((f) => f.includes('beta'))).toBe(true);
    // and `other` is now the folder a plain ingest keeps in sync
    const plain = await run(['ingest', other, '--json']);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ unchanged: FILES, added: 0, deleted: 0 });
  }, 300_000);
});
