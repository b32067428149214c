// Starts the project's own throwaway PostgreSQL + pgvector (scripts/test-postgres.sh) once per run, so
// the DATABASE_URL path is tested against a real server (pg_dump, HNSW, latency). TEST_DATABASE_URL
// points the tests at a server of your own instead (macOS, no root). No test is skipped when neither
// works: setup fails and says why.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { GlobalSetupContext } from 'vitest/node';

const script = resolve(import.meta.dirname, '../../scripts/test-postgres.sh');

export default function setup({ provide }: GlobalSetupContext) {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    try {
      const out = execFileSync(script, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
      url = out
        .trim()
        .split('\n')
        .pop()!
        .replace(/^DATABASE_URL=/, '');
    } catch (err) {
      throw new Error(
        `The pg-path tests need a PostgreSQL >= 15 with pgvector: ${script} could not start one (see its message above). ` +
          'Set TEST_DATABASE_URL=postgres://user@host:port/db to use a server of your own.',
        { cause: err },
      );
    }
  }
  provide('pgUrl', url);
  // The server is left running for the next run (it is reused; `scripts/test-postgres.sh stop` stops it).
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
