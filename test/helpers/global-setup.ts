// Starts the real PostgreSQL 15 + pgvector server from ../shared/tools/pg-test-server once per
// run, so the DATABASE_URL path is tested against a real server (pg_dump, HNSW, latency).
// No test is skipped when it is missing: setup fails and says why.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GlobalSetupContext } from 'vitest/node';

const tool = resolve(import.meta.dirname, '../../../shared/tools/pg-test-server');
const dir = process.env.TRAJANUS_PG_TEST_DIR ?? '/tmp/trajanus-pg-test';
const port = process.env.TRAJANUS_PG_TEST_PORT ?? '54329';

export default function setup({ provide }: GlobalSetupContext) {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    if (!existsSync(tool)) throw new Error(`Real-Postgres tests need ${tool} (the shared/ folder beside the repo), or TEST_DATABASE_URL.`);
    const out = execFileSync(tool, ['start', dir, port], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
    url = out.trim().split('\n').pop()!.replace(/^DATABASE_URL=/, '');
  }
  provide('pgUrl', url);
  // The server is left running for the next run (it is reused, and CI machines are thrown away).
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
