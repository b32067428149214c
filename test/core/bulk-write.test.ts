// The bulk path for already-embedded chunks (ingest/chunk-rows.ts, store.writeDocuments): many
// documents in one transaction, their chunks in one statement, sent to PGlite as a binary COPY.
// It must store exactly what the row-wise path stores — the same rows and vectors, and the same
// BM25 postings and statistics, so the same search results — and a failure must leave every
// document of the batch as it was.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/random.js';
import type { Chunk } from '../../src/core/chunk.js';
import { encodeBinaryCopy } from '../../src/core/db/binary-copy.js';
import type { Database, Queryable } from '../../src/core/db/types.js';
import { dropVectorIndex, withVectorIndexDeferred } from '../../src/core/db/vector-index.js';
import { ensureEmbeddingSpace } from '../../src/core/embed/space.js';
import { type DocumentWrite, writeDocument, writeDocuments } from '../../src/core/ingest/store.js';
import { migratedMemoryDb } from '../helpers/db.js';

const DIMS = 7;
const MODEL = 'test:bulk-7';
const WORDS = ['guardrail', 'concrete', 'pour', 'ladder', 'harness', 'slab', 'rebar', 'crane', 'permit', 'inspection', 'curing'];

async function freshDb(): Promise<Database> {
  const db = await migratedMemoryDb();
  await ensureEmbeddingSpace(db, { id: MODEL, dimensions: DIMS });
  return db;
}

/** The same database seen through a connection without binary COPY: every write is an INSERT. */
function rowWise(db: Database): Database {
  const plain = (tx: Queryable): Queryable => ({ query: (s, p) => tx.query(s, p), exec: (s) => tx.exec(s) });
  return Object.assign(Object.create(db), {
    copyBinary: undefined,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(plain(tx))),
  }) as Database;
}

/** `docs` documents of 1-6 chunks with random text, vectors of full float64 precision, headings and locations. */
function documents(seed: number, docs: number, version = 'v1'): DocumentWrite[] {
  const r = mulberry32(seed);
  return Array.from({ length: docs }, (_, d) => {
    const n = 1 + Math.floor(r() * 6);
    const chunks: Chunk[] = Array.from({ length: n }, (_, i) => {
      const content = Array.from({ length: 3 + Math.floor(r() * 14) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
      return {
        index: i,
        content: `${content} — «${version}» ünïcode`,
        context: `Doc ${d} › Section ${i}`,
        headingPath: [`Section ${i}`],
        tokenCount: content.split(' ').length,
        location: i % 2 ? { page: i + 1 } : undefined,
      };
    });
    const vectors = chunks.map(() => Array.from({ length: DIMS }, () => r() * 2 - 1));
    const text = chunks.map((c) => c.content).join('\n\n');
    return {
      source: 'test',
      file: { fileId: `test:${d}`, title: `Doc ${d}`, mimeType: 'text/plain', path: `f/${d}.txt`, metadata: {}, access: { grants: [] } },
      title: `Doc ${d}`,
      text,
      contentHash: `${version}:${d}`,
      chunks,
      vectors,
      model: MODEL,
    };
  });
}

/**
 * Everything a search reads, keyed by (file, chunk index) since chunk ids are random. Hybrid search
 * runs without the HNSW index: an approximate graph depends on the order rows arrived in, the exact
 * dense leg only on the vectors.
 */
async function stored(db: Database) {
  await dropVectorIndex(db);
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    chunks:
      await q(`SELECT d.file_id, c.chunk_index, c.content, c.context, c.embedding::text AS embedding, c.embedding_model, c.token_count,
                            c.metadata, c.location, c.fts::text AS fts
                     FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY d.file_id, c.chunk_index`),
    postings: await q(`SELECT p.term, d.file_id, c.chunk_index, p.tf, p.len
                       FROM chunk_terms p JOIN chunks c ON c.id = p.chunk_id JOIN documents d ON d.id = c.document_id
                       ORDER BY p.term, d.file_id, c.chunk_index`),
    termStats: await q('SELECT term, df FROM term_stats ORDER BY term'),
    lexicalStats: await q('SELECT chunks, total_len FROM lexical_stats'),
    blocksCoverEveryChunk: await q(
      'SELECT count(*)::int AS n FROM chunks c LEFT JOIN chunk_blocks b ON b.chunk_id = c.id WHERE b.chunk_id IS NULL',
    ),
    searches: await Promise.all(
      ['guardrail harness', 'concrete pour slab', 'crane permit inspection curing', 'ladder rebar'].map(
        async (text) =>
          (
            await db.query(
              `SELECT d.file_id, c.chunk_index, round(s.score::numeric, 12) AS score, round(s.lexical_score::numeric, 12) AS lexical
               FROM search_chunks($1, $2::vector, 20, 'hybrid', 'weighted', 0.3, 60, 100, 100, NULL, NULL, NULL, NULL, '{{*}}'::text[]) s JOIN chunks c ON c.id = s.chunk_id JOIN documents d ON d.id = c.document_id
               ORDER BY s.score DESC, d.file_id, c.chunk_index`,
              [text, `[${Array.from({ length: DIMS }, (_, i) => (i === 2 ? 1 : 0.1)).join(',')}]`],
            )
          ).rows,
      ),
    ),
  };
}

describe('bulk write of already-embedded chunks', () => {
  let bulk: Database;
  let rows: Database;
  beforeEach(async () => {
    [bulk, rows] = await Promise.all([freshDb(), freshDb()]);
  });
  afterEach(async () => {
    await Promise.all([bulk.close(), rows.close()]);
  });

  it('stores the same rows, vectors, postings, statistics and search results as one INSERT per document', async () => {
    expect(bulk.copyBinary).toBeTypeOf('function'); // the embedded database takes the COPY path
    const first = documents(1, 40);
    const second = documents(2, 25, 'v2'); // new versions of documents 0-24, plus deletions through their chunks
    await writeDocuments(bulk, first.slice(0, 30));
    await writeDocuments(bulk, first.slice(30));
    await writeDocuments(bulk, second);
    const old = rowWise(rows);
    for (const w of [...first, ...second]) await writeDocument(old, w);

    const a = await stored(bulk);
    const b = await stored(rows);
    expect(a.chunks.length).toBe(
      first.slice(25).reduce((n, w) => n + w.chunks.length, 0) + second.reduce((n, w) => n + w.chunks.length, 0),
    );
    expect(a.postings.length).toBeGreaterThan(a.chunks.length);
    expect(a.searches.every((s) => s.length > 0)).toBe(true);
    expect(a.blocksCoverEveryChunk).toEqual([{ n: 0 }]);
    expect(a).toEqual(b);
  });

  it('stores each vector as the float4 values the text path stores', async () => {
    const w = documents(3, 1);
    // 0.2256777212023735 lies exactly between two float4s: the text path rounds its decimal, not the tie.
    w[0].vectors[0] = [0.1, -1 / 3, 1e-39, 3.4e38, 0.2256777212023735, -0, 2 ** -24];
    await writeDocuments(bulk, w);
    await writeDocuments(rowWise(rows), w);
    const vec = async (db: Database) =>
      (await db.query<{ e: string }>('SELECT embedding::text AS e FROM chunks WHERE chunk_index = 0')).rows[0].e;
    expect(await vec(bulk)).toBe(await vec(rows));
  });

  it('leaves every document of a batch as it was when the COPY fails', async () => {
    await writeDocuments(bulk, documents(4, 10));
    const before = await stored(bulk);
    await ensureEmbeddingSpace(bulk, { id: MODEL, dimensions: DIMS });
    const failing = Object.assign(Object.create(bulk), {
      transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
        bulk.transaction((tx) =>
          fn({
            query: (s, p) => tx.query(s, p),
            exec: (s) => tx.exec(s),
            copyBinary: () => Promise.reject(new Error('injected failure: process killed mid-COPY')),
          }),
        ),
    }) as Database;
    await expect(writeDocuments(failing, documents(5, 10, 'v2'))).rejects.toThrow(/injected failure/);
    expect(await stored(bulk)).toEqual(before);
  });

  it('refuses a batch that names a file twice or lacks vectors, writing nothing', async () => {
    const [w] = documents(6, 1);
    await expect(writeDocuments(bulk, [w, w])).rejects.toThrow(/test:0 is given twice/);
    await expect(writeDocuments(bulk, [{ ...w, vectors: w.vectors.slice(1) }])).rejects.toThrow(/chunks but .* vectors/);
    expect((await bulk.query('SELECT 1 FROM documents')).rows).toEqual([]);
  });

  it('rejects a vector of the wrong dimension with the database error, as the text path does', async () => {
    const [w] = documents(7, 1);
    const bad = { ...w, vectors: w.vectors.map(() => [1, 2, 3]) };
    await expect(writeDocuments(bulk, [bad])).rejects.toThrow(/expected 7 dimensions, not 3/);
    await expect(writeDocuments(rowWise(rows), [bad])).rejects.toThrow(/expected 7 dimensions, not 3/);
  });

  it('names the column of a value binary COPY cannot encode', () => {
    expect(() => encodeBinaryCopy(['uuid', 'int4'], [['not-a-uuid', 1]])).toThrow(/column 1 \(uuid\): "not-a-uuid" is not a uuid/);
    expect(() => encodeBinaryCopy(['text', 'int4'], [['x', 1.5]])).toThrow(/column 2 \(int4\): 1.5 is not a 32-bit integer/);
    expect(() => encodeBinaryCopy(['text'], [['x', 'y']])).toThrow(/2 values for 1 columns/);
  });

  it('builds the vector index again after a deferred write, and at start when a write died without it', async () => {
    const present = async () =>
      (await bulk.query<{ p: boolean }>(`SELECT to_regclass('idx_chunks_embedding_hnsw') IS NOT NULL AS p`)).rows[0].p;
    await expect(
      withVectorIndexDeferred(bulk, async () => {
        expect(await present()).toBe(false);
        await writeDocuments(bulk, documents(8, 5));
        throw new Error('stopped');
      }),
    ).rejects.toThrow('stopped');
    expect(await present()).toBe(true);
    await dropVectorIndex(bulk); // as a killed process leaves it
    await ensureEmbeddingSpace(bulk, { id: MODEL, dimensions: DIMS });
    expect(await present()).toBe(true);
  });
});
