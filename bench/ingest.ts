// `npm run bench:ingest [-- --json] [--dir samples/knowledge-base]`
// Fresh in-memory embedded database, migrations, the local embedder, and the sample knowledge
// base (copied to a temp folder so it can be touched). Passes:
//   1. first ingest                  → chunks/s (model loaded before timing; load time reported)
//   2. re-ingest, nothing changed    → time as a ratio of pass 1, embed calls (must be 0)
//   3. one file touched (mtime only) → re-read and hashed, nothing embedded
//   4. one file edited               → only that document rewritten; unchanged chunks come from the cache
//   5. embedder threads              → the corpus's chunk texts, repeated (marked with the round) up to
//      --thread-batches full batches of 64 (default 24: with the sample's ~6 batches, 2 threads could
//      not pass 6/4 = 1.5×, whatever the threads), embedded in-process (1 thread) and on --threads
//      worker threads (default: one per core, at most 4), alternating, twice each: chunks/s of each,
//      their ratio, the cores each used (process CPU time ÷ wall time: the baseline's shows whether
//      TensorFlow.js already spreads one embed over several cores), and whether the vectors are
//      equal bit for bit
//   6. one generated large text file (--large-mb, default 30; 0 skips it), in a fresh database,
//      with a hashing embedder so the pipeline's own cost is measured (the local model would take
//      chunks ÷ its chunks/s from pass 1 on top): time as a multiple of chunking the same text
//      alone (the baseline, same run), peak RSS above the process's RSS before it, the batches
//      committed, and that the document's chunks all arrived.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedDatabase } from '../src/core/db/embedded.js';
import { migrate } from '../src/core/db/migrate.js';
import { CachedEmbedder } from '../src/core/embed/cache.js';
import { defaultEmbeddingThreads, LocalEmbedder } from '../src/core/embed/local.js';
import { ensureEmbeddingSpace } from '../src/core/embed/space.js';
import type { Embedder } from '../src/core/embed/types.js';
import { ingest, type IngestSummary } from '../src/core/ingest/index.js';
import { chunkStream, defaultChunkOptions, embeddingText } from '../src/core/chunk.js';
import { FolderSource } from '../src/core/sources/folder.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    dir: { type: 'string', default: 'samples/knowledge-base' },
    threads: { type: 'string' },
    'thread-batches': { type: 'string', default: '24' },
    'large-mb': { type: 'string', default: '30' },
  },
});
const threads = values.threads ? Number(values.threads) : defaultEmbeddingThreads();

/**
 * The corpus's texts, cycled to exactly `batches` full batches, so that every thread gets the same
 * number of equal batches; repeats carry their round (`… (2)`) so that no text is embedded twice.
 */
function threadTexts(corpus: string[], batches: number): string[] {
  const n = Math.max(batches, Math.ceil(corpus.length / LocalEmbedder.BATCH)) * LocalEmbedder.BATCH;
  return Array.from({ length: n }, (_, i) => {
    const round = Math.floor(i / corpus.length);
    return round ? `${corpus[i % corpus.length]} (${round})` : corpus[i];
  });
}

/** Chunks/s of one thread and of `threads` worker threads on the same texts, alternating to share the noise. */
async function threadScaling(texts: string[]) {
  const one = new LocalEmbedder({ threads: 1 });
  const many = new LocalEmbedder({ threads });
  try {
    await Promise.all([one.embed(['warm up']), many.embed(Array.from({ length: threads }, () => 'warm up'))]);
    const ms = { one: 0, many: 0 };
    // CPU time of the whole process (every thread's, workers' included) over wall time: cores in use.
    const cpu = { one: 0, many: 0 };
    let identical = true;
    for (let round = 0; round < 2; round++) {
      for (const [k, e] of [
        ['one', one],
        ['many', many],
      ] as const) {
        log(`pass: embed ${texts.length} chunks on ${e.threads} thread(s), round ${round + 1} …`);
        const t = performance.now();
        const c = process.cpuUsage();
        const v = await e.embed(texts);
        const used = process.cpuUsage(c);
        ms[k] += performance.now() - t;
        cpu[k] += (used.user + used.system) / 1000;
        if (k === 'many') identical &&= v.every((x, i) => x.every((y, j) => Object.is(y, reference![i][j])));
        else reference ??= v;
      }
    }
    const rate = (t: number) => +((texts.length * 2) / (t / 1000)).toFixed(1);
    return {
      texts: texts.length,
      batches: Math.ceil(texts.length / LocalEmbedder.BATCH),
      threads,
      oneThreadCores: +(cpu.one / ms.one).toFixed(2),
      threadedCores: +(cpu.many / ms.many).toFixed(2),
      oneThreadChunksPerSec: rate(ms.one),
      threadedChunksPerSec: rate(ms.many),
      ratio: +(ms.one / ms.many).toFixed(2),
      identical,
    };
  } finally {
    await many.close();
  }
}
let reference: number[][] | undefined;

/** 512 numbers from sha256 of the text: as cheap as an embedder can be, so pass 5 times the pipeline, not a model. */
class HashEmbedder implements Embedder {
  readonly id = 'bench:hash-512';
  readonly dimensions = 512;
  readonly maxInputTokens = 640; // the local model's chunk size (512 tokens) follows from this
  async embed(texts: string[]) {
    return texts.map((t) => {
      const v: number[] = [];
      for (let block = 0; v.length < 512; block++) {
        const h = createHash('sha256').update(`${block}:${t}`).digest();
        for (let i = 0; i < 32 && v.length < 512; i += 2) v.push(h.readUInt16BE(i) / 65535 - 0.5);
      }
      return v;
    });
  }
}

const WORDS =
  'concrete pour slab formwork rebar inspection crane lift rigging load guardrail harness scaffold permit hot work fire watch schedule delay milestone submittal rfi architect engineer drawing revision change order invoice retainage punch list closeout warranty'.split(
    ' ',
  );

/** About `mb` MB of site-diary text: headings every 40 paragraphs, paragraphs of 60–120 words. */
function largeText(mb: number): string {
  const parts: string[] = [];
  let size = 0;
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let p = 0; size < mb * 1024 * 1024; p++) {
    if (p % 40 === 0) parts.push(`## Week ${p / 40 + 1}`);
    const n = 60 + Math.floor(rnd() * 60);
    const words = Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]);
    const para = `Entry ${p}: ${words.join(' ')}.`;
    parts.push(para);
    size += para.length + 2;
  }
  return `# Site diary\n\n${parts.join('\n\n')}\n`;
}

async function largeFilePass(work: string, mb: number) {
  const dir = join(work, 'large');
  mkdirSync(dir);
  const text = largeText(mb);
  writeFileSync(join(dir, 'site-diary.txt'), text);
  const embedder = new HashEmbedder();
  // Baseline: chunking the same text alone, in this run.
  const opts = defaultChunkOptions(embedder.maxInputTokens);
  const tc = performance.now();
  let chunked = 0;
  for (const _ of chunkStream(text, 'Site diary', opts)) chunked++;
  const chunkMs = performance.now() - tc;

  const db = await EmbeddedDatabase.open();
  try {
    await migrate(db);
    await ensureEmbeddingSpace(db, embedder);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    let batches = 0;
    const t = performance.now();
    const s = await ingest({ db, embedder }, new FolderSource(dir), {
      onProgress: (p) => {
        if (p.file) {
          batches++;
          log(`  large file: ${Math.floor(p.file.fraction * 100)}% read, ${p.file.chunks} chunks embedded`);
        }
      },
    });
    const ms = performance.now() - t;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const stored = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks')).rows[0].n;
    if (s.failed || stored !== chunked) throw new Error(`large file: ${s.failed} failed, ${stored} chunks stored of ${chunked}`);
    return {
      mb: +(Buffer.byteLength(text) / 1024 / 1024).toFixed(1),
      chunks: stored,
      batchesCommitted: batches,
      ms: Math.round(ms),
      chunkOnlyMs: Math.round(chunkMs),
      ratioToChunking: +(ms / chunkMs).toFixed(2),
      peakRssAboveStartMb: Math.round((peak - rssBefore) / 1024 / 1024),
      rssBeforeMb: Math.round(rssBefore / 1024 / 1024),
    };
  } finally {
    await db.close();
  }
}

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
  summary: Pick<
    IngestSummary,
    'files' | 'added' | 'changed' | 'unchanged' | 'deleted' | 'failed' | 'skipped' | 'chunks' | 'embedded' | 'cache_hits'
  >;
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
      const p: Pass = {
        name,
        ms,
        embedCalls: embedder.calls - calls,
        embeddedTexts: embedder.texts - texts,
        summary: { files, added, changed, unchanged, deleted, failed, skipped, chunks, embedded, cache_hits },
      };
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
    const chunkRows = await db.query<{ content: string; context: string }>(
      'SELECT content, context FROM chunks ORDER BY document_id, chunk_index',
    );
    const scaling = await threadScaling(
      threadTexts(
        chunkRows.rows.map((c) => embeddingText(c)),
        Number(values['thread-batches']),
      ),
    );

    const result = {
      corpus: { dir: values.dir, files: first.summary.files, chunks: first.summary.chunks, touchedFile: target.slice(kb.length + 1) },
      embedder: embedder.id,
      modelLoadMs: Math.round(modelLoadMs),
      firstIngest: {
        ms: Math.round(first.ms),
        chunksPerSec: +(first.summary.chunks / (first.ms / 1000)).toFixed(1),
        embedCalls: first.embedCalls,
      },
      reingestUnchanged: {
        ms: Math.round(second.ms),
        ratioToFirst: +(second.ms / first.ms).toFixed(4),
        embedCalls: second.embedCalls,
        unchanged: second.summary.unchanged,
      },
      touchedOne: {
        ms: Math.round(touched.ms),
        ratioToFirst: +(touched.ms / first.ms).toFixed(4),
        embedCalls: touched.embedCalls,
        unchanged: touched.summary.unchanged,
      },
      editedOne: {
        ms: Math.round(edited.ms),
        ratioToFirst: +(edited.ms / first.ms).toFixed(4),
        embedCalls: edited.embedCalls,
        changed: edited.summary.changed,
        chunks: edited.summary.chunks,
        embeddedTexts: edited.embeddedTexts,
        cacheHits: edited.summary.cache_hits,
      },
      embedderThreads: scaling,
      loadAverage: loadavg().map((x) => +x.toFixed(2)),
      passes,
      largeFile: Number(values['large-mb']) > 0 ? await largeFilePass(work, Number(values['large-mb'])) : null,
    };
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(
        `Ingest benchmark (load average ${result.loadAverage.join(' ')}) — ${result.corpus.files} files, ${result.corpus.chunks} chunks, ${result.embedder} on ${threads} thread(s) (model load ${result.modelLoadMs} ms, not timed)`,
      );
      console.log(
        `  first ingest:          ${result.firstIngest.ms} ms, ${result.firstIngest.chunksPerSec} chunks/s, ${result.firstIngest.embedCalls} embed calls`,
      );
      console.log(
        `  re-ingest (unchanged): ${result.reingestUnchanged.ms} ms = ${(result.reingestUnchanged.ratioToFirst * 100).toFixed(1)}% of first, ${result.reingestUnchanged.embedCalls} embed calls`,
      );
      console.log(
        `  one file touched:      ${result.touchedOne.ms} ms = ${(result.touchedOne.ratioToFirst * 100).toFixed(1)}% of first, ${result.touchedOne.embedCalls} embed calls (${result.corpus.touchedFile})`,
      );
      console.log(
        `  one file edited:       ${result.editedOne.ms} ms = ${(result.editedOne.ratioToFirst * 100).toFixed(1)}% of first, ${result.editedOne.embedCalls} embed call(s), ` +
          `${result.editedOne.embeddedTexts} of its ${result.editedOne.chunks} chunks embedded, ${result.editedOne.cacheHits} from the cache`,
      );
      const l = result.largeFile;
      if (l)
        console.log(
          `  one ${l.mb} MB text file:  ${l.ms} ms (${l.chunks} chunks in ${l.batchesCommitted} committed batches, hashing embedder) = ${l.ratioToChunking}× chunking it alone (${l.chunkOnlyMs} ms); ` +
            `peak RSS +${l.peakRssAboveStartMb} MB over ${l.rssBeforeMb} MB; the local model would add ~${Math.round(l.chunks / result.firstIngest.chunksPerSec)} s`,
        );
      console.log(
        `  embedder threads:      1 thread ${scaling.oneThreadChunksPerSec} chunks/s, ${scaling.threads} threads ${scaling.threadedChunksPerSec} chunks/s = ×${scaling.ratio} ` +
          `(${scaling.texts} texts = ${scaling.batches} batches of ${LocalEmbedder.BATCH}, twice each, alternating; cores in use ${scaling.oneThreadCores} and ${scaling.threadedCores}; ` +
          `vectors ${scaling.identical ? 'identical bit for bit' : 'DIFFER'})`,
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
