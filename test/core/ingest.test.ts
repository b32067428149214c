// The ingest pipeline over a fixture source: counts, zero embedder calls on an unchanged corpus,
// one bad document never stops a run, a crash mid-document leaves the previous version whole,
// dry runs change nothing, and a full listing deletes what the source no longer has.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../src/core/db/types.js';
import { ingest } from '../../src/core/ingest/index.js';
import { ArraySource, type TopicEmbedder, topicDb, type FixtureDoc } from '../helpers/corpus.js';

const long = (topic: string, n: number) =>
  `# ${topic}\n\n` +
  Array.from(
    { length: n },
    (_, i) =>
      `## Section ${i + 1}\n\nThe ${topic} rule number ${i + 1} says the crew checks the guardrail and the concrete pour schedule before work starts.`,
  ).join('\n\n');

const docs = (): FixtureDoc[] => [
  { path: 'safety/fall.md', text: long('fall protection', 12) },
  { path: 'quality/pour.md', text: long('concrete pour', 3) },
  { path: 'schedule/narrative.md', text: long('schedule', 2) },
];

/** Wraps a Database so that the INSERT of a document's chunks fails: a crash between the document row and its chunks. */
function failingChunkInsert(db: Database): Database {
  const wrapTx = (tx: Queryable): Queryable => ({
    query: (sql, params) =>
      /INSERT INTO chunks/.test(sql) ? Promise.reject(new Error('injected failure: connection lost')) : tx.query(sql, params),
    exec: (sql) => tx.exec(sql),
  });
  return Object.assign(Object.create(db), {
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(wrapTx(tx))),
  }) as Database;
}

async function snapshot(db: Database, fileId: string) {
  const r = await db.query<{ title: string; content_hash: string; chunks: string[] }>(
    `SELECT d.title, d.content_hash, array_agg(c.content ORDER BY c.chunk_index) AS chunks
     FROM documents d JOIN chunks c ON c.document_id = d.id WHERE d.file_id = $1 GROUP BY d.id`,
    [fileId],
  );
  return r.rows[0];
}

describe('ingest pipeline', () => {
  let db: Database;
  let embedder: TopicEmbedder;
  beforeEach(async () => {
    ({ db, embedder } = await topicDb());
  });
  afterEach(() => db.close());

  it('ingests, then re-ingests an unchanged corpus with zero embedder calls and no writes', async () => {
    const source = new ArraySource(docs());
    const first = await ingest({ db, embedder }, source);
    expect(first).toMatchObject({ files: 3, added: 3, changed: 0, unchanged: 0, failed: 0 });
    expect(first.chunks).toBeGreaterThan(3);
    expect(first.embedded).toBe(first.chunks);
    expect(embedder.texts).toBe(first.chunks);
    const updatedAt = (await db.query<{ m: string }>('SELECT max(updated_at)::text AS m FROM documents')).rows[0].m;

    embedder.calls = 0;
    const second = await ingest({ db, embedder }, source);
    expect(second).toMatchObject({ files: 3, added: 0, changed: 0, unchanged: 3, embedded: 0, chunks: 0 });
    expect(embedder.calls).toBe(0);
    expect((await db.query<{ m: string }>('SELECT max(updated_at)::text AS m FROM documents')).rows[0].m).toBe(updatedAt);

    // An edit re-embeds only the chunks whose text changed; the rest come from the cache.
    source.docs[0].text = source.docs[0].text.replace('rule number 12 says', 'rule number 12 now says');
    embedder.texts = 0;
    const third = await ingest({ db, embedder }, source);
    expect(third).toMatchObject({ changed: 1, unchanged: 2 });
    expect(third.embedded).toBe(1);
    expect(third.cache_hits).toBe(third.chunks - 1);
    expect(embedder.texts).toBe(1);
  });

  it('records a corrupt document and goes on with the rest', async () => {
    const source = new ArraySource([...docs(), { path: 'logs/broken.pdf', text: '%PDF-1.7 this is not really a PDF' }]);
    const s = await ingest({ db, embedder }, source);
    expect(s).toMatchObject({ files: 4, added: 3, failed: 1 });
    expect(s.errors).toEqual([expect.objectContaining({ fileId: 'fixture:logs/broken.pdf' })]);
    const run = await db.query<{ status: string }>('SELECT status FROM ingest_runs ORDER BY started_at DESC LIMIT 1');
    expect(run.rows[0].status).toBe('partial');
  });

  it('leaves the previous version whole when writing a document fails between its row and its chunks', async () => {
    const source = new ArraySource(docs());
    await ingest({ db, embedder }, source);
    const before = await snapshot(db, 'fixture:safety/fall.md');

    source.docs[0].text = long('fall arrest', 12);
    const s = await ingest({ db: failingChunkInsert(db), embedder }, source);
    expect(s.failed).toBe(1);
    expect(s.errors[0].error).toMatch(/injected failure/);
    expect(await snapshot(db, 'fixture:safety/fall.md')).toEqual(before);

    // Re-running resumes: the new version is written, from the cache where possible.
    const again = await ingest({ db, embedder }, source);
    expect(again.changed).toBe(1);
    const after = await snapshot(db, 'fixture:safety/fall.md');
    expect(after.chunks.join(' ')).toMatch(/fall arrest/);
    expect(after.content_hash).not.toBe(before.content_hash);
  });

  it('plans without writing on a dry run, and deletes documents a full listing no longer has', async () => {
    const source = new ArraySource(docs());
    await ingest({ db, embedder }, source);
    source.docs = source.docs.slice(1);
    source.docs[0].text += '\n\nOne more line about the pour.';
    const plan = await ingest({ db, embedder }, source, { dryRun: true });
    expect(plan.plan).toEqual(
      expect.arrayContaining([
        { action: 'change', fileId: 'fixture:quality/pour.md', title: expect.any(String) },
        { action: 'delete', fileId: 'fixture:safety/fall.md', title: expect.any(String) },
      ]),
    );
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents')).rows[0].n).toBe(3);

    const s = await ingest({ db, embedder }, source);
    expect(s).toMatchObject({ changed: 1, deleted: 1 });
    const left = await db.query<{ file_id: string }>('SELECT file_id FROM documents ORDER BY 1');
    expect(left.rows.map((r) => r.file_id)).toEqual(['fixture:quality/pour.md', 'fixture:schedule/narrative.md']);
    const orphans = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM chunk_terms p WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = p.chunk_id)',
    );
    expect(orphans.rows[0].n).toBe(0);
  });
});
