import { cpSync, mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from '../../../src/core/db/embedded.js';
import { MIGRATIONS_DIR, migrate, MigrationError, loadMigrations } from '../../../src/core/db/migrate.js';
import { PostgresDatabase } from '../../../src/core/db/postgres.js';
import { toVector } from '../../../src/core/db/vector.js';
import { databaseStatus } from '../../../src/core/status.js';
import { ensureEmbeddingSpace, EmbedderMismatchError } from '../../../src/core/embed/space.js';
import { freshPgDatabase } from '../../helpers/pg.js';
import type { Database } from '../../../src/core/db/types.js';

const all = loadMigrations();

async function schemaChecks(db: Database) {
  const tables = await db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'`);
  const names = tables.rows.map((r) => r.t);
  for (const t of ['documents', 'chunks', 'queries', 'embeddings_cache', 'query_stats', 'schema_migrations']) expect(names).toContain(t);
  const idx = await db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'chunks'`);
  const defs = idx.rows.map((r) => r.indexdef).join('\n');
  expect(defs).toMatch(/USING gin \(fts\)/);
  expect(defs).not.toMatch(/ivfflat/);
  const uniq = await db.query<{ def: string }>(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'embeddings_cache'::regclass AND contype = 'u'`,
  );
  expect(uniq.rows.map((r) => r.def)).toContain('UNIQUE (text_hash, model)');
  const fns = await db.query<{ sig: string }>(
    `SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname IN ('search_documents','hybrid_search','log_query_stats')`,
  );
  expect(fns.rows.map((r) => r.sig).sort()).toEqual([
    'hybrid_search(query_text text, query_embedding vector, vector_weight double precision, fts_weight double precision, match_count integer)',
    'log_query_stats(query_type text, execution_time integer, rows_returned integer)',
    'search_documents(query_embedding vector, match_threshold double precision, match_count integer, filter_category text)',
  ]);
}

/** Inserts one document with two chunks and runs a vector query through the seed's RPC function. */
async function vectorRoundTrip(db: Database, { errorPaths = true } = {}) {
  await ensureEmbeddingSpace(db, { id: 'test:3d', dimensions: 3 });
  const doc = await db.query<{ id: string }>(
    `INSERT INTO documents (title, content, file_id, content_hash, category) VALUES ('Pour checklist', 'x', 'folder:a.md', 'h', 'qa') RETURNING id`,
  );
  for (const [i, v] of [
    [1, 0, 0],
    [0, 1, 0],
  ].entries())
    await db.query(
      `INSERT INTO chunks (document_id, chunk_index, content, embedding, embedding_model) VALUES ($1, $2, $3, $4, 'test:3d')`,
      [doc.rows[0].id, i, `chunk ${i}`, toVector(v)],
    );
  const r = await db.query<{ title: string; content: string; similarity: number }>(`SELECT * FROM search_documents($1, 0.1, 5, NULL)`, [
    toVector([0.9, 0.1, 0]),
  ]);
  expect(r.rows).toHaveLength(1);
  expect(r.rows[0].content).toBe('chunk 0');
  expect(r.rows[0].similarity).toBeGreaterThan(0.9);
  if (!errorPaths) return;
  // the vector column took the embedder's dimension: a vector of another size is refused
  await expect(db.query(`UPDATE chunks SET embedding = $1`, [toVector([1, 2])])).rejects.toThrow(/dimensions/);
  // and a second model cannot slip into the same index
  await expect(ensureEmbeddingSpace(db, { id: 'other:4d', dimensions: 4 })).rejects.toBeInstanceOf(EmbedderMismatchError);
  await expect(db.query(`UPDATE chunks SET embedding_model = 'other:4d'`)).rejects.toThrow(/foreign key/);
}

describe('migrations on the embedded database', () => {
  it('apply on a fresh database, are idempotent, and create the corrected schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tj-'));
    const db = await EmbeddedDatabase.open(dir);
    try {
      expect((await migrate(db)).map((m) => m.version)).toEqual(all.map((m) => m.version));
      expect(await migrate(db)).toEqual([]);
      await schemaChecks(db);
      await vectorRoundTrip(db);
      const status = await databaseStatus(db);
      expect(status.kind).toBe('embedded');
      expect(status.pending).toBe(0);
      expect(status.counts.documents).toBe(1);
      expect(status.counts.chunks).toBe(2);
    } finally {
      await db.close();
    }
    // persisted in the folder: a reopen sees the same data and has nothing to apply, which one read
    // of schema_migrations tells, without the migration lock
    const again = await EmbeddedDatabase.open(dir);
    try {
      const locks: string[] = [];
      const lockSpy = again.withAdvisoryLock.bind(again);
      again.withAdvisoryLock = (name, fn, o) => {
        locks.push(name);
        return lockSpy(name, fn, o);
      };
      expect(await migrate(again)).toEqual([]);
      expect(locks).toEqual([]);
      expect((await again.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks')).rows[0].n).toBe(2);
    } finally {
      await again.close();
    }
  });

  it('refuses an edited, already-applied migration, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tj-mig-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const db = await EmbeddedDatabase.open();
    try {
      await migrate(db, { dir });
      appendFileSync(join(dir, all[0].file), '\n-- an edit\n');
      await expect(migrate(db, { dir })).rejects.toThrow(new RegExp(`${all[0].file}.*edited`));
    } finally {
      await db.close();
    }
  });

  it('rolls back a failing migration whole and names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tj-mig-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, '9999_broken.sql'), 'CREATE TABLE half_done (id int); SELECT no_such_function();');
    const db = await EmbeddedDatabase.open();
    try {
      await expect(migrate(db, { dir })).rejects.toBeInstanceOf(MigrationError);
      const t = await db.query<{ ok: boolean }>(`SELECT to_regclass('half_done') IS NULL AS ok`);
      expect(t.rows[0].ok).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('refuses a second process on the same data folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tj-lock-'));
    const db = await EmbeddedDatabase.open(dir);
    try {
      writeFileSync(join(dir, 'trajanus.pid'), '1'); // pid 1 is always alive
      await expect(EmbeddedDatabase.open(dir)).rejects.toThrow(/in use by process 1/);
    } finally {
      await db.close();
    }
  });
});

describe('migrations through the pg driver', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('run against a PGlite socket server (Postgres wire protocol on 127.0.0.1)', async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const { vector } = await import('@electric-sql/pglite-pgvector');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const pglite = await PGlite.create({ extensions: { vector } });
    const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0 });
    await server.start();
    const conn = server.getServerConn();
    // the socket server serves one connection at a time: a pool of one
    const db = new PostgresDatabase({ url: `postgres://postgres@${conn}/postgres`, poolSize: 1 });
    cleanups.push(async () => {
      await db.close();
      await server.stop();
      await pglite.close();
    });
    await migrate(db);
    expect(await migrate(db)).toEqual([]);
    await schemaChecks(db);
    // pglite-socket drops the connection after a raised error, so refusals are checked on the real server below
    await vectorRoundTrip(db, { errorPaths: false });
  });

  it('run against real PostgreSQL 15 with pgvector, and two concurrent migrate calls apply each migration once', async () => {
    const { url, drop } = await freshPgDatabase();
    const a = new PostgresDatabase({ url, poolSize: 3 });
    const b = new PostgresDatabase({ url, poolSize: 3 });
    cleanups.push(async () => {
      await a.close();
      await b.close();
      await drop();
    });
    const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
    // one applied everything; the other waited on the lock, then found nothing to do
    expect([ra.length, rb.length].sort()).toEqual([0, all.length]);
    const rows = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows.rows[0].n).toBe(all.length);
    await schemaChecks(a);
    await vectorRoundTrip(a);
    const hnsw = await a.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_indexes WHERE indexdef LIKE '%USING hnsw%vector_cosine_ops%'`,
    );
    expect(hnsw.rows[0].n).toBe(1);
  });

  it("a migration may run longer than the pool's statement_timeout, which still holds for other statements", async () => {
    const { url, drop } = await freshPgDatabase();
    const db = new PostgresDatabase({ url, poolSize: 1, statementTimeoutMs: 200 });
    cleanups.push(async () => {
      await db.close();
      await drop();
    });
    const dir = mkdtempSync(join(tmpdir(), 'tj-mig-slow-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, '9999_slow.sql'), 'CREATE TABLE slow_done AS SELECT 1 AS ok FROM pg_sleep(0.5);');
    const applied = await migrate(db, { dir });
    expect(applied.map((m) => m.file)).toContain('9999_slow.sql');
    expect((await db.query<{ ok: number }>('SELECT ok FROM slow_done')).rows).toEqual([{ ok: 1 }]);
    await expect(db.query('SELECT pg_sleep(0.5)')).rejects.toThrow(/statement timeout/);
  });

  it('advisory lock without waiting reports a lock held elsewhere', async () => {
    const { url, drop } = await freshPgDatabase();
    const a = new PostgresDatabase({ url, poolSize: 2 });
    const b = new PostgresDatabase({ url, poolSize: 2 });
    cleanups.push(async () => {
      await a.close();
      await b.close();
      await drop();
    });
    let inner: unknown;
    const outer = await a.withAdvisoryLock('job:x', async () => {
      inner = await b.withAdvisoryLock('job:x', async () => 'ran', { wait: false });
      return 'held';
    });
    expect(outer).toEqual({ acquired: true, result: 'held' });
    expect(inner).toEqual({ acquired: false });
    expect(await b.withAdvisoryLock('job:x', async () => 'now', { wait: false })).toEqual({ acquired: true, result: 'now' });
  });
});
