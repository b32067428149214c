// Shared by the backup tests: the PostgreSQL 15 client tools, temp folders removed after the file,
// a few documents with chunks, and what a restore must bring back.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { Database } from '../../src/core/db/types.js';

const PG_BIN = existsSync('/usr/lib/postgresql/15/bin/pg_dump') ? '/usr/lib/postgresql/15/bin' : '';
export const pgDumpPath = PG_BIN ? join(PG_BIN, 'pg_dump') : 'pg_dump';
export const pgRestorePath = PG_BIN ? join(PG_BIN, 'pg_restore') : 'pg_restore';

const temps: string[] = [];
export function tempDir(prefix = 'trajanus-backup-') {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

export async function seed(db: Database, docs: number, chunksPerDoc: number) {
  for (let d = 0; d < docs; d++) {
    const r = await db.query<{ id: string }>(
      `INSERT INTO documents (title, content, file_id, content_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
      [`Doc ${d}`, `content of doc ${d}`, `folder:doc-${d}.md`, `hash-${d}`],
    );
    for (let c = 0; c < chunksPerDoc; c++)
      await db.query(`INSERT INTO chunks (document_id, chunk_index, content) VALUES ($1, $2, $3)`, [
        r.rows[0]!.id,
        c,
        `chunk ${c} of doc ${d}`,
      ]);
  }
}

export async function counts(db: Database) {
  const r = await db.query<{ documents: number; chunks: number; migrations: number }>(
    `SELECT (SELECT count(*) FROM documents)::int AS documents, (SELECT count(*) FROM chunks)::int AS chunks,
            (SELECT count(*) FROM schema_migrations)::int AS migrations`,
  );
  // The same top search results, too: the BM25 postings and statistics must come back with the rows.
  const top = await db.query<{ content: string }>(
    `SELECT c.content FROM lexical_search('chunk 2 of doc 1', 100, NULL, NULL, NULL, NULL, '{{*}}') s JOIN chunks c ON c.id = s.chunk_id ORDER BY s.score DESC, c.content LIMIT 5`,
  );
  return { ...r.rows[0]!, top: top.rows.map((x) => x.content) };
}
