// `npm run bench:ingest [-- --json] [--dir samples/knowledge-base]`
// Fresh in-memory embedded database, migrations, the local embedder, and the sample knowledge
// base (copied to a temp folder so it can be touched). Passes:
//   1. first ingest                  → chunks/s (model loaded before timing; load time reported)
//   2. re-ingest, nothing changed    → time as a ratio of pass 1, embed calls (must be 0)
//   3. one file touched (mtime only) → re-read and hashed, nothing embedded
//   4. one file edited               → only that document rewritten; unchanged chunks come from the cache
//   5. embedder threads              → the corpus's chunk texts embedded in-process (1 thread) and on
//      --threads worker threads (default: one per core, at most 4), alternating, twice each: chunks/s
//      of each, their ratio, and whether the vectors are equal bit for bit
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedDatabase } from '../src/core/db/embedded.js';
import { migrate } from '../src/core/db/migrate.js';
import { CachedEmbedder } from '../src/core/embed/cache.js';
import { defaultEmbeddingThreads, LocalEmbedder } from '../src/core/embed/local.js';
import { ensureEmbeddingSpace } from '../src/core/embed/space.js';
import type { Embedder } from '../src/core/embed/types.js';
import { ingest, type IngestSummary } from '../src/core/ingest/index.js';
import { embeddingText } from '../src/core/chunk.js';
import { FolderSource } from '../src/core/sources/folder.js';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, dir: { type: 'string', default: 'samples/knowledge-base' }, threads: { type: 'string' } },
});
const threads = values.threads ? Number(values.threads) : defaultEmbeddingThreads();

/** Chunks/s of one thread and of `threads` worker threads on the same texts, alternating to share the noise. */
async function threadScaling(texts: string[]) {
  const one = new LocalEmbedder({ threads: 1 });
  const many = new LocalEmbedder({ threads });
  try {
    await Promise.all([one.embed(['warm up']), many.embed(Array.from({ length: threads }, () => 'warm up'))]);
    const ms = { one: 0, many: 0 };
    let identical = true;
    for (let round = 0; round < 2; round++) {
      for (const [k, e] of [['one', one], ['many', many]] as const) {
        log(`pass: embed ${texts.length} chunks on ${e.threads} thread(s), round ${round + 1} …`);
        const t = performance.now();
        const v = await e.embed(texts);
        ms[k] += performance.now() - t;
        if (k === 'many') identical &&= v.every((x, i) => x.every((y, j) => Object.is(y, reference![i][j])));
        else reference ??= v;
      }
    }
    const rate = (t: number) => +((texts.length * 2) / (t / 1000)).toFixed(1);
    return { texts: texts.length, threads, oneThreadChunksPerSec: rate(ms.one), threadedChunksPerSec: rate(ms.many), ratio: +(ms.one / ms.many).toFixed(2), identical };
  } finally {
    await many.close();
  }
}
let reference: number[][] | undefined;

/** Counts what reaches the model (the cache sits in front of it). */
class CountingEmbedder implements Embedder {
  calls = 0;
  texts = 0;
  constructor(private readonly inner: Embedder) {}
  get id() {
    return this.inner.id;
  }
  get dimensions() {
    return this.inner.dimensions;
  }
  get maxInputTokens() {
    return this.inner.maxInputTokens;
  }
  async embed(texts: string[]) {
    this.calls++;
    this.texts += texts.length;
    return this.inner.embed(texts);
  }
}

interface Pass {
  name: string;
  ms: number;
  embedCalls: number;
  embeddedTexts: number;
  summary: Pick<IngestSummary, 'files' | 'added' | 'changed' | 'unchanged' | 'deleted' | 'failed' | 'skipped' | 'chunks' | 'embedded' | 'cache_hits'>;
}

const log = (s: string) => {
  if (!values.json) process.stderr.write(`${s}\n`);
};

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'trajanus-bench-ingest-'));
  const kb = join(work, 'kb');
  cpSync(resolve(values.dir!), kb, { recursive: true });
  const db = await EmbeddedDatabase.open();
  try {
    await migrate(db);
    const local = new LocalEmbedder({ threads });
    const t0 = performance.now();
    await local.embed(['warm up']);
    const modelLoadMs = performance.now() - t0;
    const embedder = new CountingEmbedder(local);
    await ensureEmbeddingSpace(db, embedder);
    const cached = new CachedEmbedder(db, embedder);
    const source = new FolderSource(kb);
    const passes: Pass[] = [];

    const pass = async (name: string) => {
      log(`pass: ${name} …`);
      const calls = embedder.calls;
      const texts = embedder.texts;
      const t = performance.now();
      const s = await ingest({ db, embedder: cached }, source, { full: true });
      const ms = performance.now() - t;
      if (s.failed) throw new Error(`${s.failed} files failed: ${s.errors.map((e) => `${e.fileId}: ${e.error}`).join('; ')}`);
      const { files, added, changed, unchanged, deleted, failed, skipped, chunks, embedded, cache_hits } = s;
      const p: Pass = { name, ms, embedCalls: embedder.calls - calls, embeddedTexts: embedder.texts - texts, summary: { files, added, changed, unchanged, deleted, failed, skipped, chunks, embedded, cache_hits } };
      passes.push(p);
      return p;
    };

    const first = await pass('first ingest');
    const second = await pass('re-ingest, unchanged');
    // Touch: a new mtime changes the folder's version marker, so the file is fetched and hashed again.
    const mds = readdirSync(kb, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.md'));
    const target = join(mds[0].parentPath, mds[0].name);
    const later = new Date(Date.now() + 60_000);
    utimesSync(target, later, later);
    const touched = await pass('one file touched (mtime)');
    writeFileSync(target, `${readFileSync(target, 'utf8')}\n\nAddendum: this paragraph was added by the ingest benchmark.\n`);
    const edited = await pass('one file edited');
    const chunkRows = await db.query<{ content: string; context: string }>('SELECT content, context FROM chunks ORDER BY document_id, chunk_index');
    const scaling = await threadScaling(chunkRows.rows.map((c) => embeddingText(c)));

    const result = {
      corpus: { dir: values.dir, files: first.summary.files, chunks: first.summary.chunks, touchedFile: target.slice(kb.length + 1) },
      embedder: embedder.id,
      modelLoadMs: Math.round(modelLoadMs),
      firstIngest: { ms: Math.round(first.ms), chunksPerSec: +(first.summary.chunks / (first.ms / 1000)).toFixed(1), embedCalls: first.embedCalls },
      reingestUnchanged: { ms: Math.round(second.ms), ratioToFirst: +(second.ms / first.ms).toFixed(4), embedCalls: second.embedCalls, unchanged: second.summary.unchanged },
      touchedOne: { ms: Math.round(touched.ms), ratioToFirst: +(touched.ms / first.ms).toFixed(4), embedCalls: touched.embedCalls, unchanged: touched.summary.unchanged },
      editedOne: {
        ms: Math.round(edited.ms), ratioToFirst: +(edited.ms / first.ms).toFixed(4), embedCalls: edited.embedCalls, changed: edited.summary.changed,
        chunks: edited.summary.chunks, embeddedTexts: edited.embeddedTexts, cacheHits: edited.summary.cache_hits,
      },
      embedderThreads: scaling,
      passes,
    };
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(`Ingest benchmark — ${result.corpus.files} files, ${result.corpus.chunks} chunks, ${result.embedder} on ${threads} thread(s) (model load ${result.modelLoadMs} ms, not timed)`);
      console.log(`  first ingest:          ${result.firstIngest.ms} ms, ${result.firstIngest.chunksPerSec} chunks/s, ${result.firstIngest.embedCalls} embed calls`);
      console.log(`  re-ingest (unchanged): ${result.reingestUnchanged.ms} ms = ${(result.reingestUnchanged.ratioToFirst * 100).toFixed(1)}% of first, ${result.reingestUnchanged.embedCalls} embed calls`);
      console.log(`  one file touched:      ${result.touchedOne.ms} ms = ${(result.touchedOne.ratioToFirst * 100).toFixed(1)}% of first, ${result.touchedOne.embedCalls} embed calls (${result.corpus.touchedFile})`);
      console.log(
        `  one file edited:       ${result.editedOne.ms} ms = ${(result.editedOne.ratioToFirst * 100).toFixed(1)}% of first, ${result.editedOne.embedCalls} embed call(s), ` +
          `${result.editedOne.embeddedTexts} of its ${result.editedOne.chunks} chunks embedded, ${result.editedOne.cacheHits} from the cache`,
      );
      console.log(
        `  embedder threads:      1 thread ${scaling.oneThreadChunksPerSec} chunks/s, ${scaling.threads} threads ${scaling.threadedChunksPerSec} chunks/s = ×${scaling.ratio} ` +
          `(${scaling.texts} chunks, twice each, alternating; vectors ${scaling.identical ? 'identical bit for bit' : 'DIFFER'})`,
      );
    }
    if (!scaling.identical) {
      console.error('FAIL: threaded embedding changed the vectors');
      process.exitCode = 1;
    }
    if (second.embedCalls !== 0 || touched.embedCalls !== 0) {
      console.error('FAIL: an unchanged corpus reached the embedder');
      process.exitCode = 1;
    }
  } finally {
    await db.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
