// Import cycles are checked by Biome's noImportCycles (run by `npm run lint` in CI). These tests
// keep that check honest: the tree has none, and a cycle made only of `import type` is caught too,
// as the two this project had (cli.ts ↔ commands, extract/index.ts ↔ extractors) both ran through types.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const biome = join(root, 'node_modules/.bin/biome');

async function cycles(cwd: string, paths: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(biome, ['lint', '--only=suspicious/noImportCycles', '--max-diagnostics=50', ...paths], { cwd });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe('import cycles', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'trajanus-cycles-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the project has none', async () => {
    const r = await cycles(root, ['src', 'test', 'bench', 'scripts', 'bin']);
    expect(r.out).not.toMatch(/noImportCycles/);
    expect(r.code).toBe(0);
  }, 60_000);

  it('a cycle through type-only imports is reported with the project configuration', async () => {
    mkdirSync(join(tmp, 'src'));
    copyFileSync(join(root, 'biome.jsonc'), join(tmp, 'biome.jsonc'));
    writeFileSync(join(tmp, 'src/a.ts'), "import type { B } from './b.js';\nexport interface A { b?: B }\n");
    writeFileSync(join(tmp, 'src/b.ts'), "import type { A } from './a.js';\nexport interface B { a?: A }\n");
    const r = await cycles(tmp, ['--vcs-enabled=false', 'src']);
    expect(r.out).toMatch(/noImportCycles/);
    expect(r.code).not.toBe(0);
  }, 60_000);
});
