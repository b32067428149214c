// bin/compiled.mjs: what `trajanus` runs is src/ compiled to JavaScript, rebuilt whenever a source
// file changes, so an edit is never run stale and a deleted module leaves nothing importable.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledEntry } from '../../bin/compiled.mjs';

describe('the compiled tree bin/trajanus.mjs runs', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'trajanus-compiled-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const tree = { src: join(tmp, 'src'), out: join(tmp, 'dist') };
  mkdirSync(join(tree.src, 'core'), { recursive: true });
  writeFileSync(join(tree.src, 'cli.ts'), "import { answer } from './core/answer.js';\nexport const out: string = answer();\n");
  writeFileSync(join(tree.src, 'core/answer.ts'), "export const answer = (): string => 'first';\n");
  writeFileSync(join(tree.src, 'core/old.ts'), 'export const old = 1;\n');
  writeFileSync(join(tree.src, 'core/worker.mjs'), 'export const plain = true;\n');
  const read = (rel: string) => readFileSync(join(tree.out, rel), 'utf8');

  it('compiles every module at the same depth, copies plain JavaScript, and rebuilds only after a change', async () => {
    const entry = await compiledEntry(tree);
    expect(fileURLToPath(entry)).toBe(join(tree.out, 'cli.js'));
    expect(read('core/answer.js')).toMatch(/"first"|'first'/);
    expect(read('core/answer.js')).not.toMatch(/: string/);
    expect(read('core/worker.mjs')).toBe('export const plain = true;\n');
    expect(existsSync(join(tree.out, 'core/old.js'))).toBe(true);

    // Unchanged sources: nothing is rewritten (a marker left in the output survives).
    writeFileSync(join(tree.out, 'core/answer.js'), `${read('core/answer.js')}// untouched\n`);
    await compiledEntry(tree);
    expect(read('core/answer.js')).toMatch(/untouched/);

    // An edit (here a same-size one with a new time, as a checkout does) rebuilds; a deleted module is removed.
    writeFileSync(join(tree.src, 'core/answer.ts'), "export const answer = (): string => 'again';\n");
    const later = new Date(Date.now() + 5000);
    utimesSync(join(tree.src, 'core/answer.ts'), later, later);
    rmSync(join(tree.src, 'core/old.ts'));
    await compiledEntry(tree);
    expect(read('core/answer.js')).toMatch(/again/);
    expect(read('core/answer.js')).not.toMatch(/untouched/);
    expect(existsSync(join(tree.out, 'core/old.js'))).toBe(false);
    expect(existsSync(join(tree.out, 'core/old.js.map'))).toBe(false);
  });
});
