// Ingest robustness: the last full sync is recorded, a move or rename with unchanged text updates
// the document (without re-embedding unless the title changed), and two ingests of one source
// never run at once (embedded and real Postgres).
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/core/db/types.js';
import { PostgresDatabase } from '../../src/core/db/postgres.js';
import { migrate } from '../../src/core/db/migrate.js';
import { ensureEmbeddingSpace } from '../../src/core/embed/space.js';
import { ingest, IngestBusyError, lastFullSync } from '../../src/core/ingest/index.js';
import type { DocumentSource, FetchedFile, SourceFile } from '../../src/core/sources/types.js';
import { migratedMemoryDb } from '../helpers/db.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { ArraySource, TopicEmbedder, topicDb } from '../helpers/corpus.js';

/** A source whose files keep their id while title, path, category and version change (like Drive). */
interface Entry {
  id: string;
  title: string;
  path: string;
  category?: string;
  version: string;
  text: string;
}
class MutableSource implements DocumentSource {
  readonly name = 'mutable';
  constructor(public entries: Entry[]) {}
  async *list(): AsyncIterable<SourceFile> {
    for (const e of this.entries)
      yield {
        fileId: `mutable:${e.id}`,
        title: e.title,
        mimeType: 'text/markdown',
        path: e.path,
        category: e.category,
        url: `https://example.test/${e.path}`,
        version: e.version,
        metadata: { path: e.path },
      };
  }
  async fetch(file: SourceFile): Promise<FetchedFile> {
    return { data: Buffer.from(this.entries.find((e) => `mutable:${e.id}` === file.fileId)!.text), mimeType: 'text/markdown' };
  }
}

// No "# " heading: the Markdown extractor would take the title from it, and these tests rename the file.
const text = [
  '## Fall protection\n\nGuardrails at every open edge above six feet; harness when the guardrail is down.',
  '## Ladders\n\nThe ladder extends three feet above the landing and is tied off.',
].join('\n\n');

async function row(db: Database, fileId: string) {
  return (
    await db.query<{
      title: string;
      file_path: string;
      category: string | null;
      url: string;
      metadata: { path: string };
      source_version: string;
    }>('SELECT title, file_path, category, url, metadata, source_version FROM documents WHERE file_id = $1', [fileId])
  ).rows[0];
}

async function chunks(db: Database, fileId: string) {
  return (
    await db.query<{ id: string; context: string }>(
      'SELECT c.id, c.context FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.file_id = $1 ORDER BY c.chunk_index',
      [fileId],
    )
  ).rows;
}

describe('ingest: full-sync bookkeeping and renames', () => {
  let db: Database;
  let embedder: TopicEmbedder;
  beforeEach(async () => {
    ({ db, embedder } = await topicDb());
  });
  afterEach(() => db.close());

  it('records last_full_sync when a full sync completes, not on a dry run', async () => {
    const source = new ArraySource([{ path: 'a.md', text }]);
    expect(await lastFullSync(db, 'fixture')).toBeUndefined();
    await ingest({ db, embedder }, source, { dryRun: true });
    expect(await lastFullSync(db, 'fixture')).toBeUndefined();
    const before = Date.now();
    await ingest({ db, embedder }, source);
    const last = await lastFullSync(db, 'fixture');
    expect(last).toBeInstanceOf(Date);
    expect(last!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(last!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await lastFullSync(db, 'other')).toBeUndefined();
  });

  it('a moved file with the same text and title: row updated, chunks kept, zero embedder calls', async () => {
    const source = new MutableSource([{ id: 'f1', title: 'Fall Plan', path: 'Safety/Fall Plan', category: 'safety', version: '1', text }]);
    await ingest({ db, embedder }, source);
    const chunksBefore = await chunks(db, 'mutable:f1');
    expect(chunksBefore.length).toBeGreaterThan(0);

    source.entries[0] = { ...source.entries[0]!, path: 'Health & Safety/Fall Plan', category: 'health & safety', version: '2' };
    embedder.calls = 0;
    const s = await ingest({ db, embedder }, source);
    expect(s).toMatchObject({ unchanged: 1, changed: 0, added: 0, embedded: 0 });
    expect(embedder.calls).toBe(0);
    expect(await row(db, 'mutable:f1')).toMatchObject({
      title: 'Fall Plan',
      file_path: 'Health & Safety/Fall Plan',
      category: 'health & safety',
      url: 'https://example.test/Health & Safety/Fall Plan',
      metadata: { path: 'Health & Safety/Fall Plan' },
      source_version: '2',
    });
    expect(await chunks(db, 'mutable:f1')).toEqual(chunksBefore); // same rows, untouched
  });

  it('a parent folder renamed (same file version, new path) is picked up by the listing without a fetch', async () => {
    const source = new MutableSource([{ id: 'f1', title: 'Fall Plan', path: 'Safety/Fall Plan', category: 'safety', version: '1', text }]);
    await ingest({ db, embedder }, source);
    let fetched = 0;
    const fetch = source.fetch.bind(source);
    source.fetch = (f) => (fetched++, fetch(f));
    source.entries[0] = { ...source.entries[0]!, path: 'Site Safety/Fall Plan', category: 'site safety' };
    embedder.calls = 0;
    const s = await ingest({ db, embedder }, source);
    expect(s).toMatchObject({ unchanged: 1, changed: 0 });
    expect(fetched).toBe(0);
    expect(embedder.calls).toBe(0);
    expect(await row(db, 'mutable:f1')).toMatchObject({ file_path: 'Site Safety/Fall Plan', category: 'site safety', source_version: '1' });
  });

  it('a renamed file with the same text: chunks rebuilt with the new title in their context', async () => {
    const source = new MutableSource([{ id: 'f1', title: 'Fall Plan', path: 'Safety/Fall Plan', category: 'safety', version: '1', text }]);
    await ingest({ db, embedder }, source);
    expect((await chunks(db, 'mutable:f1')).every((c) => c.context.startsWith('Fall Plan'))).toBe(true);

    source.entries[0] = { ...source.entries[0]!, title: 'Fall Protection Program', path: 'Safety/Fall Protection Program', version: '2' };
    const s = await ingest({ db, embedder }, source);
    expect(s).toMatchObject({ changed: 1, unchanged: 0 });
    expect(await row(db, 'mutable:f1')).toMatchObject({
      title: 'Fall Protection Program',
      file_path: 'Safety/Fall Protection Program',
      source_version: '2',
    });
    const after = await chunks(db, 'mutable:f1');
    expect(after.length).toBeGreaterThan(0);
    for (const c of after) {
      expect(c.context.startsWith('Fall Protection Program')).toBe(true);
      expect(c.context).not.toContain('Fall Plan');
    }
    // A dry run reports the title change as a change, and writes nothing.
    source.entries[0] = { ...source.entries[0]!, title: 'Fall Program', version: '3' };
    const dry = await ingest({ db, embedder }, source, { dryRun: true });
    expect(dry.plan).toEqual([{ action: 'change', fileId: 'mutable:f1', title: 'Fall Program' }]);
    expect((await row(db, 'mutable:f1'))!.title).toBe('Fall Protection Program');
  });
});

/** An ArraySource whose listing waits until released, so a test can hold an ingest mid-run. */
class GatedSource extends ArraySource {
  private enteredResolve!: () => void;
  readonly entered = new Promise<void>((r) => (this.enteredResolve = r));
  private releaseResolve!: () => void;
  private readonly released = new Promise<void>((r) => (this.releaseResolve = r));
  release() {
    this.releaseResolve();
  }
  override async *list(): AsyncIterable<SourceFile> {
    this.enteredResolve();
    await this.released;
    yield* super.list();
  }
}

async function twoIngestsAtOnce(db: Database) {
  const embedder = new TopicEmbedder();
  await ensureEmbeddingSpace(db, embedder);
  const source = new GatedSource([{ path: 'safety/fall.md', text: '# Fall\n\nGuardrails at every open edge.' }]);
  const first = ingest({ db, embedder }, source);
  await source.entered; // the first run holds the lock and is listing
  const second = await ingest({ db, embedder }, new ArraySource(source.docs)).catch((e) => e);
  expect(second).toBeInstanceOf(IngestBusyError);
  expect(second.message).toBe('another ingest of fixture is running; try again when it finishes');
  source.release();
  expect(await first).toMatchObject({ added: 1, failed: 0 });
  // The busy run left no trace; once the first finished, the source is free again.
  const runs = await db.query<{ status: string }>('SELECT status FROM ingest_runs');
  expect(runs.rows.map((r) => r.status)).toEqual(['ok']);
  expect(await ingest({ db, embedder }, new ArraySource(source.docs))).toMatchObject({ unchanged: 1 });

  // Started in the same tick, too: exactly one of them runs. The winner cannot finish before the
  // release, so the first to settle is the refused one.
  const gated = new GatedSource(source.docs);
  const runs2 = [ingest({ db, embedder }, gated), ingest({ db, embedder }, gated)];
  const firstSettled = Promise.race(
    runs2.map((p) =>
      p.then(
        () => 'ran',
        (e) => e,
      ),
    ),
  );
  await gated.entered;
  expect(await firstSettled).toBeInstanceOf(IngestBusyError);
  gated.release();
  const outcomes = await Promise.allSettled(runs2);
  expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
  expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(IngestBusyError);
}

describe('ingest: one run per source at a time', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('on the embedded database, a second ingest of the source is refused with IngestBusyError', async () => {
    const db = await migratedMemoryDb();
    cleanups.push(() => db.close());
    await twoIngestsAtOnce(db);
  });

  it('on a real Postgres, a second ingest of the source is refused with IngestBusyError', async () => {
    const pg = await freshPgDatabase();
    cleanups.push(pg.drop);
    const db = new PostgresDatabase({ url: pg.url, poolSize: 4 });
    cleanups.push(() => db.close());
    await migrate(db);
    await twoIngestsAtOnce(db);
  });

  it('ingests of different sources do not exclude each other', async () => {
    const db = await migratedMemoryDb();
    cleanups.push(() => db.close());
    const embedder = new TopicEmbedder();
    await ensureEmbeddingSpace(db, embedder);
    const gated = new GatedSource([{ path: 'a.md', text: '# A\n\nConcrete pour.' }]);
    const first = ingest({ db, embedder }, gated);
    await gated.entered;
    const other = new MutableSource([{ id: 'm', title: 'M', path: 'M', version: '1', text }]);
    expect(await ingest({ db, embedder }, other)).toMatchObject({ added: 1 });
    gated.release();
    expect(await first).toMatchObject({ added: 1 });
  });
});
