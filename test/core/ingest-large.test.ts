// Large and hostile files in the ingest pipeline: a document of many batches is committed batch by
// batch beside the live version and switched in one transaction (an interruption keeps the
// batches, a reader sees the old version whole, the next run resumes without embedding them
// again), progress is reported within the file, files over the size limit are skipped with the
// reason, and bytes that are not UTF-8 are decoded by their real encoding or failed with the reason.
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/core/db/types.js';
import { BATCH_CHUNKS, ingest, IngestInterruptedError, type IngestProgress } from '../../src/core/ingest/index.js';
import type { DocumentSource, FetchedFile, SourceFile } from '../../src/core/sources/types.js';
import { ArraySource, TopicEmbedder, topicDb } from '../helpers/corpus.js';

/** About `paras` paragraphs of distinct text: with 40-token chunks, one chunk each. */
const bigText = (paras: number, tag: string) =>
  `# Site diary ${tag}\n\n` +
  Array.from(
    { length: paras },
    (_, i) => `Entry ${i} (${tag}): the crew poured slab ${i % 17} and checked guardrail ${i % 23} before the crane lift ${i}.`,
  ).join('\n\n');

/** Aborts the run once the embedder has been called `n` times: a Ctrl-C in the middle of a large file. */
class StoppingEmbedder extends TopicEmbedder {
  constructor(
    readonly stop: AbortController,
    private readonly after: number,
  ) {
    super();
  }
  override async embed(texts: string[]) {
    const out = await super.embed(texts);
    if (this.calls >= this.after) this.stop.abort('SIGINT');
    return out;
  }
}

/** A source whose one file is given as raw bytes. */
class BytesSource implements DocumentSource {
  readonly name = 'bytes';
  constructor(readonly files: { path: string; data: Buffer }[]) {}
  async *list(): AsyncIterable<SourceFile> {
    for (const f of this.files)
      yield {
        fileId: `bytes:${f.path}`,
        title: f.path,
        mimeType: 'text/plain',
        path: f.path,
        version: String(f.data.length),
        metadata: { size: f.data.length },
      };
  }
  async fetch(file: SourceFile): Promise<FetchedFile> {
    return { data: this.files.find((f) => `bytes:${f.path}` === file.fileId)!.data, mimeType: 'text/plain' };
  }
}

async function chunksOf(db: Database, fileId: string) {
  return (
    await db.query<{ content: string; chunk_index: number }>(
      'SELECT c.content, c.chunk_index FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.file_id = $1 ORDER BY c.chunk_index',
      [fileId],
    )
  ).rows;
}
const staged = async (db: Database) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staged_chunks')).rows[0].n;

describe('a large document', () => {
  let db: Database;
  beforeEach(async () => ({ db } = await topicDb()));
  afterEach(() => db.close());

  it('is committed in batches beside the old version, switched whole, and resumed after an interruption', async () => {
    const fileId = 'fixture:diary.md';
    const opts = { chunkTokens: 40, chunkOverlap: 0 };
    // The version searchers see before the change.
    const v1 = new ArraySource([{ path: 'diary.md', text: bigText(20, 'v1') }]);
    await ingest({ db, embedder: new TopicEmbedder(), ...opts }, v1);
    const before = await chunksOf(db, fileId);
    expect(before.length).toBeGreaterThan(0);

    // v2 is five batches long; the run is stopped after two batches were embedded.
    const v2 = new ArraySource([{ path: 'diary.md', text: bigText(BATCH_CHUNKS * 5, 'v2') }]);
    const stop = new AbortController();
    const stopping = new StoppingEmbedder(stop, 2);
    const progress: IngestProgress[] = [];
    const err = await ingest({ db, embedder: stopping, ...opts }, v2, { signal: stop.signal, onProgress: (p) => progress.push(p) }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(IngestInterruptedError);
    expect(err.reason).toBe('SIGINT');
    // Two batches are committed, and a reader still sees v1 whole.
    expect(await staged(db)).toBe(2 * BATCH_CHUNKS);
    expect(await chunksOf(db, fileId)).toEqual(before);
    const run = (
      await db.query<{ status: string; error: string }>('SELECT status, error FROM ingest_runs ORDER BY started_at DESC LIMIT 1')
    ).rows[0];
    expect(run.status).toBe('interrupted');
    // Progress came from inside the file, as it was read.
    const inFile = progress.filter((p) => p.file);
    expect(inFile.map((p) => p.file!.chunks)).toEqual([BATCH_CHUNKS, 2 * BATCH_CHUNKS]);
    expect(inFile[1].file!.fraction).toBeGreaterThan(inFile[0].file!.fraction);

    // The next run embeds only what was not committed, and switches to v2 in one go.
    const resumer = new TopicEmbedder();
    const summary = await ingest({ db, embedder: resumer, ...opts }, v2);
    expect(summary.resumed).toBe(2 * BATCH_CHUNKS);
    expect(summary).toMatchObject({ changed: 1, failed: 0 });
    const after = await chunksOf(db, fileId);
    expect(after.length).toBe(summary.chunks);
    expect(after.length).toBeGreaterThanOrEqual(5 * BATCH_CHUNKS);
    expect(resumer.texts).toBe(after.length - 2 * BATCH_CHUNKS);
    expect(after.map((c) => c.chunk_index)).toEqual(after.map((_, i) => i));
    expect(after.every((c) => c.content.includes('(v2)'))).toBe(true);
    expect(await staged(db)).toBe(0);
  });

  it('skips a file over its type’s size limit, naming the limit, and fails bytes of no recognisable encoding', async () => {
    const latin1 = iconv.encode(
      'Réunion de chantier: le béton du niveau 3 sera coulé vendredi. Température prévue: 12 °C. Responsable: François Lefèvre.\n'.repeat(
        3,
      ),
      'latin1',
    );
    const garbage = Buffer.from(Array.from({ length: 400 }, (_, i) => 0x80 + ((i * 37) % 0x7f)));
    const source = new BytesSource([
      { path: 'big.txt', data: Buffer.from('x '.repeat(600_000)) },
      { path: 'french.txt', data: latin1 },
      { path: 'garbage.txt', data: garbage },
    ]);
    const summary = await ingest({ db, embedder: new TopicEmbedder(), maxFileMb: { text: 1, other: 50 } }, source);
    expect(summary).toMatchObject({ added: 1, skipped: 1, failed: 1 });
    expect(summary.skips).toEqual([
      {
        fileId: 'bytes:big.txt',
        title: 'big.txt',
        reason: expect.stringMatching(/too large: 1\.1 MB, over the 1 MB limit for text files \(INGEST_MAX_FILE_MB\)/),
      },
    ]);
    expect(summary.errors).toEqual([
      {
        fileId: 'bytes:garbage.txt',
        title: 'garbage.txt',
        error: expect.stringMatching(/not valid UTF-8 \(byte 0\).*save the file as UTF-8/),
      },
    ]);
    // Latin-1 is read as Latin-1: no replacement characters in the knowledge base.
    const content = (await db.query<{ content: string }>(`SELECT content FROM documents WHERE file_id = 'bytes:french.txt'`)).rows[0]
      .content;
    expect(content).toContain('Réunion de chantier: le béton du niveau 3 sera coulé vendredi');
    expect(content).not.toContain('\uFFFD');
  });
});
