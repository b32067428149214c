// What `trajanus health` and `trajanus jobs run` print for a person at a terminal.
import { describe, expect, it } from 'vitest';
import { formatHealth, type Health } from '../../src/core/health.js';
import { formatRunOutcome } from '../../src/jobs/outcome-text.js';

const health = {
  documents: 3,
  chunks: 9,
  databaseBytes: 8_100_000,
  vectorIndex: { present: true, valid: true },
  queries24h: 0,
  latencyBasis: 'all',
  p50Ms: null,
  p95Ms: null,
  noAnswerRate: null,
  feedback: { up: 0, down: 0 },
  cache: { rows: 0, hitRate: null },
  lastBackup: { file: '/srv/backups/trajanus-20261201T115120Z.pglite.tar.gz', ageHours: 2 },
  lastIngest: null,
  failedJobs24h: [],
  warnings: [],
} as unknown as Health;

describe('health (text)', () => {
  it('prints the backup path on a labelled line of its own, under the backup age', () => {
    const lines = formatHealth(health).split('\n');
    const at = lines.findIndex((l) => l.startsWith('Last backup'));
    expect(lines[at]).toMatch(/^Last backup +2 h ago$/);
    expect(lines[at + 1]).toMatch(/^Backup file +\/srv\/backups\/trajanus-20261201T115120Z\.pglite\.tar\.gz$/);
    expect(lines.filter((l) => l.includes('trajanus-20261201T115120Z'))).toHaveLength(1);
  });
});

describe('jobs run (text)', () => {
  it('summarises a successful run in labelled lines, with units', () => {
    const text = formatRunOutcome('backup', {
      status: 'ok',
      runId: 'r1',
      summary: {
        file: '/srv/backups/trajanus-x.dump',
        bytes: 5_138_022,
        durationMs: 11018.4,
        kind: 'postgres',
        pruned: ['a.dump', 'b.dump'],
      },
    });
    expect(text.split('\n')).toEqual([
      'backup: done (run r1)',
      '  file      /srv/backups/trajanus-x.dump',
      '  size      4.9 MB',
      '  duration  11018 ms',
      '  kind      postgres',
      '  pruned    a.dump',
      '            b.dump',
    ]);
  });

  it('says why a run failed or did not run', () => {
    expect(formatRunOutcome('backup', { status: 'failed', runId: 'r2', error: 'pg_dump: not found (PG_DUMP_PATH)' })).toBe(
      'backup: FAILED (run r2): pg_dump: not found (PG_DUMP_PATH)',
    );
    expect(formatRunOutcome('drive-reingest', { status: 'skipped', reason: 'locked' })).toMatch(
      /^drive-reingest: not run: another process holds its lock/,
    );
  });
});
