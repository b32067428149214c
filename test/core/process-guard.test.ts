// Defect 1 (issue 15): loading the offline embedder must not leave its WebAssembly runtime's
// crash-on-rejection handlers on the process, and the bot logs a stray rejection and lives on.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LocalEmbedder } from '../../src/core/embed/local.js';

describe('process guard', () => {
  it('the local embedder loads and embeds without adding unhandledRejection/uncaughtException handlers', async () => {
    const before = { r: process.listeners('unhandledRejection').length, x: process.listeners('uncaughtException').length };
    const [v] = await new LocalEmbedder().embed(['hot work permit']);
    expect(v).toHaveLength(512);
    expect({ r: process.listeners('unhandledRejection').length, x: process.listeners('uncaughtException').length }).toEqual(before);
  });

  it('with the embedder loaded, an unhandled rejection is logged and the process keeps running', () => {
    const script = `
      const { LocalEmbedder } = await import('./src/core/embed/local.ts');
      const { logUnhandledRejections } = await import('./src/core/process-guard.ts');
      const { createLogger } = await import('./src/core/log.ts');
      logUnhandledRejections(createLogger('error'));
      const embedder = new LocalEmbedder();
      await embedder.embed(['x']);
      Promise.reject(new Error('stray rejection'));
      await new Promise((r) => setTimeout(r, 200));
      console.log('still alive');
      await embedder.close();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stdout).toContain('still alive');
    expect(r.stdout + r.stderr).toContain('stray rejection');
    expect(r.status).toBe(0);
  });
});
