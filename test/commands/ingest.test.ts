// Runs the real CLI (`node bin/trajanus.mjs ingest`) against a temporary folder and an embedded
// database in a temporary data dir: counts, the unchanged re-run, and a dry run that writes nothing.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/trajanus.mjs');

describe('trajanus ingest (CLI)', () => {
  let dir: string;
  let kb: string;
  const cli = async (...args: string[]) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TRAJANUS_DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
      EMBEDDING_PROVIDER: 'local',
    };
    delete env.DATABASE_URL;
    delete env.OPENAI_API_KEY;
    const r = await run(process.execPath, [BIN, ...args], { env, cwd: dir, timeout: 120_000 });
    return { stdout: r.stdout, stderr: r.stderr };
  };
  const json = async (...args: string[]) => {
    const { stdout } = await cli('ingest', kb, '--json', ...args);
    expect(stdout.trim().split('\n')).toHaveLength(1); // exactly one JSON object on stdout
    return JSON.parse(stdout);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trajanus-ingest-cli-'));
    kb = join(dir, 'kb');
    mkdirSync(join(kb, 'safety'), { recursive: true });
    writeFileSync(
      join(kb, 'safety', 'crane-lift-plan.md'),
      '# Crane lifts\n\nEvery crane lift needs a lift plan, a signaller and an exclusion zone.\n',
    );
    writeFileSync(join(kb, 'rfi-procedure.md'), '# RFI procedure\n\nRequests for information are answered within five working days.\n');
    writeFileSync(join(kb, 'weekly-minutes.md'), '# Weekly meeting\n\nThe concrete pour for level 3 moved to Friday.\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingests, skips the unchanged corpus, and dry-runs an edit without writing', async () => {
    const first = await json();
    expect(first).toMatchObject({
      mode: 'full',
      files: 3,
      added: 3,
      changed: 0,
      unchanged: 0,
      deleted: 0,
      failed: 0,
      skipped: 0,
      errors: [],
    });
    expect(first.chunks).toBeGreaterThanOrEqual(3);
    expect(first.embedded + first.cache_hits).toBe(first.chunks);
    for (const k of [
      'files',
      'added',
      'changed',
      'unchanged',
      'deleted',
      'failed',
      'chunks',
      'embedded',
      'cache_hits',
      'skipped',
      'errors',
      'mode',
      'durationMs',
    ])
      expect(first).toHaveProperty(k);

    const second = await json();
    expect(second).toMatchObject({ files: 3, added: 0, changed: 0, unchanged: 3, deleted: 0, failed: 0, chunks: 0, embedded: 0 });

    writeFileSync(
      join(kb, 'rfi-procedure.md'),
      '# RFI procedure\n\nRequests for information are answered within three working days, urgent ones the same day.\n',
    );
    const dry = await json('--dry-run');
    expect(dry).toMatchObject({ mode: 'dry-run', added: 0, changed: 1, unchanged: 2, deleted: 0, embedded: 0 });
    expect(dry.plan).toEqual([expect.objectContaining({ action: 'change', fileId: 'folder:rfi-procedure.md' })]);

    // The dry run wrote nothing: the edit is still pending, and the human summary names it.
    const { stdout } = await cli('ingest', kb, '--dry-run');
    expect(stdout).toMatch(/Dry run/);
    expect(stdout).toMatch(/change\s+folder:rfi-procedure\.md/);
    const third = await json();
    expect(third).toMatchObject({ added: 0, changed: 1, unchanged: 2, failed: 0 });
    expect(third.embedded).toBeGreaterThan(0);
  }, 300_000); // five CLI processes, each booting PGlite and the local model

  it('exits non-zero when the folder does not exist', async () => {
    await expect(cli('ingest', join(dir, 'missing'), '--json')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/does not exist/),
    });
  });

  it('refuses to replace the indexed folder with another one unless --replace is given', async () => {
    await json(); // kb is the indexed folder
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'menu.md'), '# Canteen\n\nSoup of the day is tomato.\n');
    const refused = await cli('ingest', other, '--json').then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds the documents of .*kb.*--replace/);
    const { stdout } = await cli('ingest', other, '--json', '--replace');
    const replaced = JSON.parse(stdout);
    expect(replaced).toMatchObject({ added: 1, deleted: 3 });
    // and now `other` is the folder a plain ingest keeps in sync
    expect(JSON.parse((await cli('ingest', other, '--json')).stdout)).toMatchObject({ unchanged: 1 });
  });

  it('exits 4 when files failed, naming each failed and skipped file with its reason, with progress on stderr under --json', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'good.md'), '# Hoarding\n\nThe site hoarding is inspected every Monday.\n');
    writeFileSync(join(mixed, 'broken.pdf'), '%PDF-1.7\nthis is not really a pdf');
    writeFileSync(join(mixed, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TRAJANUS_DATA_DIR: join(dir, 'data-mixed'),
      LOG_LEVEL: 'silent',
      EMBEDDING_PROVIDER: 'local',
    };
    delete env.DATABASE_URL;
    delete env.OPENAI_API_KEY;
    const failed = (args: string[]) =>
      run(process.execPath, [BIN, 'ingest', mixed, ...args], { env, cwd: dir, timeout: 120_000 }).then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const asJson = await failed(['--json']);
    expect(asJson.code).toBe(4);
    const summary = JSON.parse(asJson.stdout);
    expect(summary).toMatchObject({ added: 1, failed: 1, skipped: 1 });
    expect(summary.errors).toEqual([expect.objectContaining({ fileId: 'folder:broken.pdf', error: expect.stringMatching(/PDF/i) })]);
    expect(summary.skips).toEqual([
      expect.objectContaining({ fileId: 'folder:photo.png', reason: expect.stringMatching(/unsupported file type/) }),
    ]);
    expect(asJson.stderr).toMatch(/ingest: 3\/3 files \(100%\)/);

    const human = await failed([]);
    expect(human.code).toBe(4);
    expect(human.stdout).toMatch(/failed:\n\s+folder:broken\.pdf: .*PDF/i);
    expect(human.stdout).toMatch(/skipped:\n\s+folder:photo\.png: unsupported file type/);
  }, 300_000);
});
