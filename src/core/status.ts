import type { Database } from './db/types.js';
import { migrationStatus } from './db/migrate.js';
import { currentEmbeddingSpace } from './embed/space.js';

export const TABLES = [
  'documents',
  'chunks',
  'embeddings_cache',
  'queries',
  'feedback',
  'query_stats',
  'slack_events_seen',
  'job_runs',
  'sync_state',
  'ingest_runs',
] as const;

export interface DatabaseStatus {
  kind: string;
  description: string;
  migrations: { version: number; name: string; applied: boolean; appliedAt: Date | null }[];
  pending: number;
  embeddingSpace: { model: string; dimensions: number } | null;
  counts: Record<string, number | null>;
}

/** What `trajanus status` prints: database kind, migration state, row counts. */
export async function databaseStatus(db: Database): Promise<DatabaseStatus> {
  const migrations = (await migrationStatus(db)).map((m) => ({
    version: m.version,
    name: m.name,
    applied: m.appliedAt !== null,
    appliedAt: m.appliedAt,
  }));
  const counts: Record<string, number | null> = {};
  for (const t of TABLES) {
    // Table names come from the constant above, never from input.
    const exists = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [t]);
    counts[t] = exists.rows[0].ok ? (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n : null;
  }
  const hasSpace = (await db.query<{ ok: boolean }>(`SELECT to_regclass('embedding_space') IS NOT NULL AS ok`)).rows[0].ok;
  return {
    kind: db.kind,
    description: db.description,
    migrations,
    pending: migrations.filter((m) => !m.applied).length,
    embeddingSpace: hasSpace ? await currentEmbeddingSpace(db) : null,
    counts,
  };
}

export function formatStatus(s: DatabaseStatus): string {
  const lines = [`database: ${s.kind} (${s.description})`, `migrations: ${s.migrations.length - s.pending} applied, ${s.pending} pending`];
  for (const m of s.migrations)
    lines.push(
      `  ${m.applied ? '✓' : '·'} ${String(m.version).padStart(4, '0')} ${m.name}${m.appliedAt ? `  ${m.appliedAt.toISOString()}` : ''}`,
    );
  lines.push(
    `embedding space: ${s.embeddingSpace ? `${s.embeddingSpace.model} (${s.embeddingSpace.dimensions}-d)` : 'not configured yet'}`,
  );
  lines.push('rows:');
  for (const [t, n] of Object.entries(s.counts)) lines.push(`  ${t.padEnd(18)} ${n === null ? 'missing' : n}`);
  return lines.join('\n');
}
