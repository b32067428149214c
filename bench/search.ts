// `npm run bench:search [-- --sizes 10k,100k] [--db embedded|pg|both] [--queries 200] [--json]`
// (`--sizes 1m --db pg`: the million-chunk size, on demand; sizes take k / m suffixes)
// (`--url postgres://…/db`: measure that existing, already built Postgres database as it is — e.g. a
//  copy of one kept with --keep — instead of building one; --sizes and --db are then ignored; pass the
//  --seed it was built with: the topic centroids the queries come from are drawn from the seed)
//
// Synthetic corpora (clustered unit vectors of 512 dims, text drawn from a Zipfian vocabulary of
// ~5k words so that BM25 sees realistic posting lists) are stored through the product's bulk path
// for already-embedded chunks (store.writeDocuments: 100 documents a transaction, their chunks one
// binary COPY on PGlite) — not through the embedder, which would take hours — on the embedded PGlite
// and on a real Postgres (scripts/test-postgres.sh, a fresh database inside it; TEST_DATABASE_URL for your own). Then:
//   latency p50/p95 of bare HNSW (SELECT … ORDER BY embedding <=> $1 LIMIT 10, ef_search 100),
//   search_chunks 'hybrid' and 'lexical' (the product's settings), and the seed's hybrid_search
//   (bench/seed-baseline.ts), each also as a ratio to bare HNSW;
//   HNSW recall@10 against exact search at ef_search 40/100/200.
// The HNSW index is set aside during the bulk load and built once afterwards (db/vector-index.ts).
// On PGlite the old load (INSERT … unnest, vectors as text) runs first at --baseline chunks (10k):
// the bulk path's insert rate is printed as a multiple of it, with the load average of each load.
// Measurements are time-boxed (--budget seconds per case) and interleaved: each query runs every case
// in turn, so that load drifting during the run skews no ratio. A slow case reports how many queries it ran.
// PGlite is measured up to --embedded-max chunks (default 100000, so 100k is measured by default);
// the output says which sizes were skipped.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { EmbeddedDatabase } from '../src/core/db/embedded.js';
import { migrate } from '../src/core/db/migrate.js';
import { PostgresDatabase } from '../src/core/db/postgres.js';
import type { Database } from '../src/core/db/types.js';
import { dropVectorIndex, ensureVectorIndex } from '../src/core/db/vector-index.js';
import { type DocumentWrite, writeDocuments } from '../src/core/ingest/store.js';
import { chunkBudget, DEFAULT_SEARCH_SETTINGS } from '../src/core/search/search.js';
import { installSeedBaseline, seedSearch } from './seed-baseline.js';
import { mulberry32 } from './random.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10k,100k' },
    db: { type: 'string', default: 'both' },
    queries: { type: 'string', default: '200' },
    'recall-queries': { type: 'string', default: '100' },
    budget: { type: 'string', default: '40' },
    // PGlite is single-threaded WebAssembly: a million chunks would take hours there.
    'embedded-max': { type: 'string', default: '100000' },
    /** PGlite only: chunks loaded first through the old row-wise INSERT path, the baseline of the bulk path's insert time (0: skip). */
    baseline: { type: 'string', default: '10k' },
    json: { type: 'boolean', default: false },
    /** Keep the Postgres bench database (its URL is printed) for a closer look. */
    keep: { type: 'boolean', default: false },
    /** An existing bench database to measure instead of building one (not migrated, not dropped). */
    url: { type: 'string' },
    seed: { type: 'string', default: '42' },
  },
});

const DIMS = 512;
const MODEL = 'bench:random-512';
const CHUNKS_PER_DOC = 10;
const BATCH = 1000;
const EF = [40, 100, 200];
/** The product's defaults, and the rows and candidates HybridSearcher asks search_chunks for with them. */
const PRODUCT = { ...DEFAULT_SEARCH_SETTINGS, ...chunkBudget(DEFAULT_SEARCH_SETTINGS, DEFAULT_SEARCH_SETTINGS.matchCount) };

/** "10000", "10k", "1m" → chunks. */
function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim());
  const n = m ? Math.round(Number(m[1]) * { '': 1, k: 1_000, m: 1_000_000 }[m[2].toLowerCase() as '' | 'k' | 'm']) : NaN;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--sizes: "${s}" is not a chunk count (e.g. 10000, 100k, 1m)`);
  return n;
}
const sizes = values.sizes!.split(',').map(parseSize);
const dbs = values.db === 'both' ? (['embedded', 'pg'] as const) : ([values.db] as ('embedded' | 'pg')[]);
if (!dbs.every((d) => d === 'embedded' || d === 'pg')) throw new Error('--db must be embedded, pg or both');
const nQueries = Number(values.queries);
const nRecall = Number(values['recall-queries']);
const budgetMs = Number(values.budget) * 1000;
const embeddedMax = Number(values['embedded-max']);

const say = (s: string) => process.stderr.write(`${s}\n`);

// ── deterministic randomness ────────────────────────────────────────────────────────────────
// Reseeded per corpus (corpus()): a corpus does not depend on what was generated before it.
let rand = mulberry32(Number(values.seed));

function gaussian(): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function unitVector(): number[] {
  const v = Array.from({ length: DIMS }, gaussian);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

// Real embeddings are not uniform on the sphere (the worst case for HNSW, where recall collapses):
// they cluster by topic. Vectors here are a topic centroid plus noise of 0.6× its length.
const CENTROIDS = Array.from({ length: 256 }, unitVector);
function clusteredVector(): number[] {
  const c = CENTROIDS[Math.floor(rand() * CENTROIDS.length)];
  const sigma = 0.6 / Math.sqrt(DIMS);
  const v = c.map((x) => x + sigma * gaussian());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
const vecText = (v: number[]) => `[${v.map((x) => x.toPrecision(6)).join(',')}]`;

// ── a Zipfian vocabulary: English stopwords at the top ranks (to_tsvector drops them, as in real
// text), then ~5k pseudo-words built from syllables (stable lexemes under the english stemmer).
const STOP = [
  'the',
  'of',
  'and',
  'to',
  'a',
  'in',
  'is',
  'for',
  'on',
  'that',
  'with',
  'be',
  'as',
  'by',
  'are',
  'this',
  'it',
  'at',
  'or',
  'from',
  'an',
  'shall',
  'will',
  'all',
  'not',
  'each',
  'any',
  'before',
  'after',
  'per',
];
const SYL = [
  'ka',
  'lo',
  'mi',
  're',
  'tu',
  'san',
  'vel',
  'dor',
  'pri',
  'ne',
  'cas',
  'ton',
  'bri',
  'mu',
  'fel',
  'gar',
  'pe',
  'sio',
  'ran',
  'dek',
  'ul',
  'tha',
  'cor',
  'mes',
  'bal',
  'ix',
  'po',
  'lun',
  'ver',
  'sta',
];
function buildVocabulary(size: number): string[] {
  const words = [...STOP];
  const seen = new Set(words);
  const r = mulberry32(7);
  while (words.length < size) {
    const n = 2 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYL[Math.floor(r() * SYL.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}
const VOCAB = buildVocabulary(5000);
const ZIPF_CDF = (() => {
  const w = VOCAB.map((_, i) => 1 / (i + 1) ** 1.0);
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  return w.map((x) => (acc += x / total));
})();
function zipfWord(): string {
  const u = rand();
  let lo = 0;
  let hi = ZIPF_CDF.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ZIPF_CDF[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return VOCAB[lo];
}
const words = (n: number) => Array.from({ length: n }, zipfWord).join(' ');

const CATEGORIES = ['safety', 'quality', 'contracts', 'schedule', 'meetings', 'procedures', 'closeout', 'logs'];
const DOC_TYPES = ['procedure', 'checklist', 'plan', 'minutes', 'log', 'standard', 'template', 'schedule'];

// ── databases ──────────────────────────────────────────────────────────────────────────────
interface Target {
  kind: 'embedded' | 'pg';
  db: Database;
  close(): Promise<void>;
}

let pgAdminUrl: string | undefined;
function pgServer(): string {
  if (pgAdminUrl) return pgAdminUrl;
  if (process.env.TEST_DATABASE_URL) return (pgAdminUrl = process.env.TEST_DATABASE_URL);
  say('starting the Postgres test server …');
  // Sized like a production server for these corpora: pgvector wants the HNSW index in memory
  // (260 MB at 100k chunks of 512 dims), and the default 128 MB made every query read it from the OS cache.
  const out = execFileSync(resolve('scripts/test-postgres.sh'), ['start', '/tmp/trajanus-bench-pg', '54330'], {
    env: { ...process.env, TRAJANUS_PG_TEST_OPTIONS: '-c shared_buffers=1GB' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  });
  pgAdminUrl = out
    .trim()
    .split('\n')
    .pop()!
    .replace(/^DATABASE_URL=/, '');
  return pgAdminUrl;
}

async function openTarget(kind: 'embedded' | 'pg'): Promise<Target> {
  if (values.url) {
    const db = new PostgresDatabase({ url: values.url, poolSize: 1, statementTimeoutMs: 3_600_000 });
    return { kind: 'pg', db, close: () => db.close() };
  }
  if (kind === 'embedded') {
    const db = await EmbeddedDatabase.open();
    return { kind, db, close: () => db.close() };
  }
  const admin = pgServer();
  const name = `trajanus_bench_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  // One connection, so that session settings (hnsw.ef_search, enable_indexscan) apply to every query, as on PGlite.
  const db = new PostgresDatabase({ url: url.toString(), poolSize: 1, statementTimeoutMs: 3_600_000 });
  return {
    kind,
    db,
    close: async () => {
      await db.close();
      if (values.keep) {
        say(`kept ${url.toString()}`);
        return;
      }
      const a = new pg.Client({ connectionString: admin });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

// ── progress ───────────────────────────────────────────────────────────────────────────────
function progress(label: string, total: number) {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `${label} [{bar}] {value}/{total} {eta_formatted}`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (n: number) => bar.update(n), stop: () => bar.stop() };
  }
  let last = -1;
  return {
    update(n: number) {
      const d = Math.floor((n / total) * 10);
      if (d !== last) {
        last = d;
        say(`${label}: ${n}/${total} (${d * 10}%)`);
      }
    },
    stop() {},
  };
}

// ── build ──────────────────────────────────────────────────────────────────────────────────
interface BuildTimes {
  insertMs: number;
  insertLoadAvg: number;
  hnswBuildMs: number;
  seedBaselineMs: number;
  postings: number;
}

interface CorpusDoc {
  title: string;
  category: string;
  docType: string;
  chunks: { text: string; context: string; vector: number[]; tokens: number }[];
}

/** The corpus of `size` chunks, in batches of BATCH chunks; the same documents for the same size and seed. */
function* corpus(size: number): Generator<{ first: number; docs: CorpusDoc[] }> {
  rand = mulberry32(Number(values.seed) ^ size);
  const docs = Math.ceil(size / CHUNKS_PER_DOC);
  for (let d0 = 0; d0 < docs; d0 += BATCH / CHUNKS_PER_DOC) {
    const batch: CorpusDoc[] = [];
    for (let d = d0; d < Math.min(docs, d0 + BATCH / CHUNKS_PER_DOC); d++) {
      const title = words(3 + Math.floor(rand() * 3));
      const n = Math.min(CHUNKS_PER_DOC, size - d * CHUNKS_PER_DOC);
      const chunks = Array.from({ length: n }, () => {
        const text = words(60 + Math.floor(rand() * 100));
        return { text, context: `${title} › ${words(2)}`, vector: clusteredVector(), tokens: text.split(' ').length };
      });
      batch.push({ title, category: CATEGORIES[d % CATEGORIES.length], docType: DOC_TYPES[Math.floor(rand() * DOC_TYPES.length)], chunks });
    }
    yield { first: d0, docs: batch };
  }
}

/**
 * The product's bulk path (store.writeDocuments: whole documents, their chunks in one statement,
 * a binary COPY on PGlite), each document shared with one of ten groups as ingest records it.
 */
async function storeBatch(db: Database, first: number, docs: CorpusDoc[]): Promise<number> {
  const writes: DocumentWrite[] = docs.map((doc, i) => {
    const d = first + i;
    const text = doc.chunks.map((c) => c.text).join('\n\n');
    return {
      source: 'bench',
      file: {
        fileId: `bench:${d}`,
        title: doc.title,
        mimeType: 'text/plain',
        category: doc.category,
        docType: doc.docType,
        metadata: {},
        access: { grants: [{ principal: `group:b${d % 10}@bench.test`, via: 'file' }] },
      },
      title: doc.title,
      text,
      contentHash: createHash('md5').update(text).digest('hex'),
      chunks: doc.chunks.map((c, index) => ({ index, content: c.text, context: c.context, headingPath: [], tokenCount: c.tokens })),
      vectors: doc.chunks.map((c) => c.vector),
      model: MODEL,
    };
  });
  return writeDocuments(db, writes);
}

/** The load this benchmark used before the bulk path (the baseline): INSERT … unnest with vectors as text, 1,000 chunks a statement. */
async function storeBatchRowWise(db: Database, first: number, docs: CorpusDoc[]): Promise<number> {
  const ids = docs.map(() => randomUUID());
  const chunks = docs.flatMap((doc, i) => doc.chunks.map((c, index) => ({ ...c, doc: ids[i], index })));
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO documents (id, title, content, file_id, category, doc_type, source, content_hash)
       SELECT id, title, content, file_id, cat, dt, 'bench', md5(content) FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(id, title, content, file_id, cat, dt)`,
      [
        ids,
        docs.map((d) => d.title),
        docs.map((d) => d.chunks.map((c) => c.text).join('\n\n')),
        docs.map((_, i) => `bench:${first + i}`),
        docs.map((d) => d.category),
        docs.map((d) => d.docType),
      ],
    );
    await tx.query(
      `INSERT INTO chunks (document_id, chunk_index, content, context, embedding, embedding_model, token_count)
       SELECT d, i, c, ctx, e::vector, $7, t FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[]) AS u(d, i, c, ctx, e, t)`,
      [
        chunks.map((c) => c.doc),
        chunks.map((c) => c.index),
        chunks.map((c) => c.text),
        chunks.map((c) => c.context),
        chunks.map((c) => vecText(c.vector)),
        chunks.map((c) => c.tokens),
        MODEL,
      ],
    );
  });
  return chunks.length;
}

/** Loads the corpus (HNSW index set aside, as the product's bulk writes do): the insert time and the mean load average meanwhile. */
async function load(t: Target, size: number, store: typeof storeBatch, label: string): Promise<{ ms: number; loadAvg: number }> {
  const { db } = t;
  await migrate(db);
  await db.query('SELECT configure_embedding_space($1, $2, false)', [MODEL, DIMS]);
  await dropVectorIndex(db);
  const bar = progress(`${t.kind} ${size}: ${label}`, size);
  const t0 = performance.now();
  let written = 0;
  const loads: number[] = [];
  for (const { first, docs } of corpus(size)) {
    written += await store(db, first, docs);
    loads.push(loadavg()[0]);
    bar.update(written);
  }
  bar.stop();
  return { ms: performance.now() - t0, loadAvg: +(loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(1) };
}

const postingCount = async (db: Database) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunk_terms')).rows[0].n;

async function build(t: Target, size: number): Promise<BuildTimes> {
  const { db } = t;
  const { ms: insertMs, loadAvg: insertLoadAvg } = await load(t, size, storeBatch, 'store chunks (bulk path)');
  say(`${t.kind} ${size}: inserted in ${(insertMs / 1000).toFixed(1)} s (load average ${insertLoadAvg}); building the HNSW index …`);
  const t1 = performance.now();
  if (t.kind === 'pg') {
    // In one transaction, so the settings apply to the build's own connection (db is a pool); the
    // graph must fit in maintenance_work_mem (~2.6 kB a 512-d element) or the build slows badly.
    const mem = `${Math.max(2, Math.ceil((size * 2.6e3 * 1.25) / 2 ** 30))}GB`;
    await db.transaction(async (tx) => {
      await tx.exec(`SET LOCAL maintenance_work_mem = '${mem}'; SET LOCAL max_parallel_maintenance_workers = 2`);
      await ensureVectorIndex(tx);
    });
  } else await ensureVectorIndex(db);
  await db.exec('ANALYZE');
  const hnswBuildMs = performance.now() - t1;
  say(`${t.kind} ${size}: HNSW built in ${(hnswBuildMs / 1000).toFixed(1)} s; installing the seed baseline …`);
  const t2 = performance.now();
  await installSeedBaseline(db);
  await db.exec('ANALYZE seed_documents');
  const seedBaselineMs = performance.now() - t2;
  const postings = await postingCount(db);
  return { insertMs, insertLoadAvg, hnswBuildMs, seedBaselineMs, postings };
}

// ── measurement ────────────────────────────────────────────────────────────────────────────
/** search_chunks as the product calls it (its default settings); the operator scope unless one is given. */
function productSearch(
  db: Database,
  q: Query,
  mode: 'hybrid' | 'dense' | 'lexical',
  scope: (string | null)[][] = [['*']],
  efSearch = PRODUCT.efSearch,
) {
  return db.query('SELECT * FROM search_chunks($1, $2::vector, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, NULL, $10::text[])', [
    q.text,
    mode === 'lexical' ? null : q.vec,
    PRODUCT.chunkLimit,
    mode,
    PRODUCT.fusion,
    PRODUCT.denseWeight,
    PRODUCT.rrfK,
    PRODUCT.candidates,
    efSearch,
    scope,
  ]);
}

interface Query {
  text: string;
  vector: number[];
  vec: string;
}

function makeQueries(n: number): Query[] {
  return Array.from({ length: n }, () => {
    const vector = clusteredVector();
    return { text: words(3 + Math.floor(rand() * 4)), vector, vec: vecText(vector) };
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

interface Latency {
  n: number;
  p50: number;
  p95: number;
  /** p50 and p95 as multiples of bare HNSW's. */
  p50Ratio?: number;
  p95Ratio?: number;
}

interface Case {
  label: string;
  fn: (q: Query) => Promise<unknown>;
  /** Session settings the case needs, applied before and undone after each (untimed) call. */
  setup?: () => Promise<unknown>;
  teardown?: () => Promise<unknown>;
}

/**
 * Every case on each query in turn, rotating which goes first, so that load which drifts during
 * the run (other processes on a shared machine) falls on all cases alike and their ratios survive
 * it; measured one after another, a case that happened to run while the load rose looked slower.
 */
async function measure(cases: Case[], queries: Query[]): Promise<Latency[]> {
  const once = async (c: Case, q: Query) => {
    await c.setup?.();
    const t = performance.now();
    await c.fn(q);
    const ms = performance.now() - t;
    await c.teardown?.();
    return ms;
  };
  for (const q of queries.slice(0, 5)) for (const c of cases) await once(c, q); // warm caches and plans
  const times = cases.map((): number[] => []);
  const start = performance.now();
  for (const [i, q] of queries.entries()) {
    for (let j = 0; j < cases.length; j++) {
      const k = (i + j) % cases.length;
      times[k].push(await once(cases[k], q));
    }
    if (performance.now() - start > budgetMs * cases.length && times[0].length >= 20) break;
  }
  return cases.map((c, k) => {
    const r = { n: times[k].length, p50: +pct(times[k], 50).toFixed(2), p95: +pct(times[k], 95).toFixed(2) };
    say(`  ${c.label.padEnd(10)} n=${String(r.n).padStart(3)} p50 ${r.p50.toFixed(2)} ms  p95 ${r.p95.toFixed(2)} ms`);
    return r;
  });
}

async function run(t: Target, size: number) {
  const { db } = t;
  const built: BuildTimes = values.url
    ? {
        insertMs: 0,
        insertLoadAvg: 0,
        hnswBuildMs: 0,
        seedBaselineMs: 0,
        postings: await postingCount(db),
      }
    : await build(t, size);
  const queries = makeQueries(nQueries);
  say(`${t.kind} ${size}: measuring (${nQueries} queries, ≤ ${budgetMs / 1000} s per leg) …`);
  const BARE = 'SELECT id FROM chunks ORDER BY embedding <=> $1::vector LIMIT 10';
  const bare = (q: Query) => db.query(BARE, [q.vec]);
  // pgvector's cost model counts ef_search: on a small table a high ef_search makes the planner
  // prefer an exact sequential scan. Record its choice, then force the index for the HNSW rows.
  const plannerUsesIndex: Record<string, boolean> = {};
  for (const ef of EF) {
    await db.exec(`SET hnsw.ef_search = ${ef}`);
    const plan = await db.query<Record<string, string>>(`EXPLAIN ${BARE.replace('$1::vector', `'${queries[0].vec}'::vector`)}`);
    plannerUsesIndex[`ef${ef}`] = plan.rows.some((r) => Object.values(r).join(' ').includes('idx_chunks_embedding_hnsw'));
  }
  await db.exec(`SET hnsw.ef_search = ${PRODUCT.efSearch}`);
  const cases: Case[] = [
    { label: 'hnsw', fn: bare, setup: () => db.exec('SET enable_seqscan = off'), teardown: () => db.exec('RESET enable_seqscan') },
    { label: 'hybrid', fn: (q) => productSearch(db, q, 'hybrid') },
    { label: 'dense', fn: (q) => productSearch(db, q, 'dense') },
    { label: 'lexical', fn: (q) => productSearch(db, q, 'lexical') },
    { label: 'seed', fn: (q) => seedSearch(db, q.text, q.vector, 10) },
  ];
  const latency: Record<string, Latency> = Object.fromEntries((await measure(cases, queries)).map((l, i) => [cases[i].label, l]));
  for (const k of Object.keys(latency)) {
    latency[k].p50Ratio = +(latency[k].p50 / latency.hnsw.p50).toFixed(2);
    latency[k].p95Ratio = +(latency[k].p95 / latency.hnsw.p95).toFixed(2);
  }

  // Recall@10 of HNSW against exact search (index scans off → sequential scan + top-N sort).
  const rq = queries.slice(0, nRecall);
  say(`${t.kind} ${size}: recall@10 over ${rq.length} queries …`);
  const ids = async (q: Query) => (await bare(q)).rows.map((r) => (r as { id: string }).id);
  await db.exec('SET enable_indexscan = off');
  const exact: string[][] = [];
  const exactTimes: number[] = [];
  for (const q of rq) {
    const t0 = performance.now();
    exact.push(await ids(q));
    exactTimes.push(performance.now() - t0);
  }
  await db.exec('RESET enable_indexscan');
  await db.exec('SET enable_seqscan = off');
  const recall: Record<string, { recall: number; p50: number }> = {};
  for (const ef of EF) {
    await db.exec(`SET hnsw.ef_search = ${ef}`);
    let hit = 0;
    const times: number[] = [];
    for (const [i, q] of rq.entries()) {
      const t0 = performance.now();
      const got = await ids(q);
      times.push(performance.now() - t0);
      const truth = new Set(exact[i]);
      hit += got.filter((id) => truth.has(id)).length;
    }
    recall[`ef${ef}`] = { recall: +(hit / (rq.length * 10)).toFixed(4), p50: +pct(times, 50).toFixed(2) };
    say(`  ef_search ${String(ef).padEnd(4)} recall@10 ${recall[`ef${ef}`].recall.toFixed(3)}  p50 ${recall[`ef${ef}`].p50} ms`);
  }
  await db.exec('RESET enable_seqscan');
  await db.exec(`SET hnsw.ef_search = ${PRODUCT.efSearch}`);
  const access = await measureAccess(t, queries);
  const sharedBuffers =
    t.kind === 'pg' ? (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0].shared_buffers : undefined;
  return {
    db: t.kind,
    sharedBuffers,
    chunks: size,
    documents: Math.ceil(size / CHUNKS_PER_DOC),
    postings: built.postings,
    build: {
      insertS: +(built.insertMs / 1000).toFixed(1),
      insertLoadAvg: built.insertLoadAvg,
      hnswBuildS: +(built.hnswBuildMs / 1000).toFixed(1),
      seedBaselineS: +(built.seedBaselineMs / 1000).toFixed(1),
    },
    latencyMs: latency,
    exactSearchMs: { p50: +pct(exactTimes, 50).toFixed(2), p95: +pct(exactTimes, 95).toFixed(2) },
    recallAt10: recall,
    plannerUsesIndex,
    access,
  };
}

// ── permission-filtered search ─────────────────────────────────────────────────────────────
// Each document is shared with one of ten groups (by its number); an asker in 1, 5 or 10 of them
// may open 10%, 50% or 100% of the corpus. Hybrid p95 is compared with the operator scope (no
// filter) in the same run; the filtered dense leg's recall@10 with an exact filtered scan.
const ACCESS_SHARES = [10, 50, 100];
const groupScope = (pct: number) => [Array.from({ length: pct / 10 }, (_, i) => `group:b${i}@bench.test`)];

async function measureAccess(t: Target, queries: Query[]) {
  const { db } = t;
  await db.exec(`INSERT INTO document_access (document_id, principal, via)
    SELECT id, 'group:b' || (split_part(file_id, ':', 2)::int % 10) || '@bench.test', 'file' FROM documents ON CONFLICT DO NOTHING; ANALYZE document_access`);
  const hybrid = (scope: (string | null)[][]) => (q: Query) => productSearch(db, q, 'hybrid', scope);
  say(`${t.kind}: permission-filtered hybrid (operator scope = unfiltered baseline) …`);
  const scopes: [string, string, (string | null)[][]][] = [
    ['unfiltered', 'operator', [['*']]],
    ...ACCESS_SHARES.map((pct): [string, string, string[][]] => [`visible${pct}`, `${pct}% vis`, groupScope(pct)]),
  ];
  const measured = await measure(
    scopes.map(([, label, scope]) => ({ label, fn: hybrid(scope) })),
    queries,
  );
  const latency: Record<string, Latency> = Object.fromEntries(measured.map((l, i) => [scopes[i][0], l]));
  for (const k of Object.keys(latency)) {
    latency[k].p50Ratio = +(latency[k].p50 / latency.unfiltered.p50).toFixed(2);
    latency[k].p95Ratio = +(latency[k].p95 / latency.unfiltered.p95).toFixed(2);
  }
  // Filtered dense recall@10: the product's dense leg (HNSW + iterative scan) against an exact scan with the same filter.
  const rq = queries.slice(0, nRecall);
  const recall: Record<string, number> = {};
  for (const pct of ACCESS_SHARES) {
    const scope = groupScope(pct);
    const exact: Set<string>[] = [];
    await db.exec('SET enable_indexscan = off');
    for (const q of rq)
      exact.push(
        new Set(
          (
            await db.query<{ id: string }>(
              // access_permits() inlined for this one-reader scope: the SQL function per row made this scan take minutes at 100k
              'SELECT c.id FROM chunks c WHERE EXISTS (SELECT 1 FROM document_access a WHERE a.document_id = c.document_id AND a.principal = ANY ($2::text[])) ORDER BY c.embedding <=> $1::vector LIMIT 10',
              [q.vec, scope[0]],
            )
          ).rows.map((r) => r.id),
        ),
      );
    await db.exec('RESET enable_indexscan');
    let hit = 0;
    for (const [i, q] of rq.entries()) {
      const got = await db.query<{ chunk_id: string }>(
        'SELECT chunk_id FROM dense_search($1::vector, 10, NULL, NULL, NULL, NULL, $2, $3::text[])',
        [q.vec, PRODUCT.efSearch, scope],
      );
      hit += got.rows.filter((r) => exact[i].has(r.chunk_id)).length;
    }
    recall[`visible${pct}`] = +(hit / (rq.length * 10)).toFixed(4);
    say(`  ${pct}% visible: filtered dense recall@10 ${recall[`visible${pct}`].toFixed(3)}`);
  }
  // What the bounded filtered dense scan (migration 0029: at most 3 x ef_search index tuples) costs the
  // answer: the filtered hybrid's top 10 chunks and top 6 documents against the same search at
  // ef_search 1000, whose bound (3,000 tuples) these shares never reach.
  const overlap: Record<string, { top10Chunks: number; top6Documents: number }> = {};
  for (const pct of ACCESS_SHARES.filter((p) => p < 100)) {
    const scope = groupScope(pct);
    let chunks = 0;
    let docs = 0;
    for (const q of rq) {
      const product = (await productSearch(db, q, 'hybrid', scope)).rows as { chunk_id: string; document_id: string }[];
      const wide = (await productSearch(db, q, 'hybrid', scope, 1000)).rows as { chunk_id: string; document_id: string }[];
      const top = new Set(wide.slice(0, 10).map((r) => r.chunk_id));
      chunks += product.slice(0, 10).filter((r) => top.has(r.chunk_id)).length / 10;
      const firstDocs = (rows: { document_id: string }[]) => [...new Set(rows.map((r) => r.document_id))].slice(0, 6);
      const wideDocs = new Set(firstDocs(wide));
      docs += firstDocs(product).filter((d) => wideDocs.has(d)).length / 6;
    }
    overlap[`visible${pct}`] = { top10Chunks: +(chunks / rq.length).toFixed(4), top6Documents: +(docs / rq.length).toFixed(4) };
    say(
      `  ${pct}% visible: filtered hybrid top-10 overlap with the unbounded scan ${overlap[`visible${pct}`].top10Chunks.toFixed(3)}, top-6 documents ${overlap[`visible${pct}`].top6Documents.toFixed(3)}`,
    );
  }
  return { latencyMs: latency, denseRecallAt10: recall, overlapWithUnbounded: overlap };
}

// ── main ───────────────────────────────────────────────────────────────────────────────────
type Result = Awaited<ReturnType<typeof run>>;
const results: Result[] = [];
const skipped: { db: string; chunks: number; reason: string }[] = [];
const started = performance.now();
const existingSize = async () => {
  const c = new pg.Client({ connectionString: values.url });
  await c.connect();
  const n = (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks')).rows[0].n;
  await c.end();
  return n;
};
// The old load path at one size on PGlite, in this run: the insert times below divide by its rate.
let baseline: { chunks: number; insertS: number; insertLoadAvg: number } | undefined;
const baselineSize = values.baseline === '0' ? 0 : parseSize(values.baseline!);
if (baselineSize && !values.url && dbs.includes('embedded')) {
  const t = await openTarget('embedded');
  try {
    const r = await load(t, baselineSize, storeBatchRowWise, 'baseline: old row-wise INSERT');
    baseline = { chunks: baselineSize, insertS: +(r.ms / 1000).toFixed(1), insertLoadAvg: r.loadAvg };
    say(`embedded ${baselineSize}: old row-wise path inserted in ${baseline.insertS} s (load average ${r.loadAvg})`);
  } finally {
    await t.close();
  }
}
/** The bulk path's insert rate against the old path's (chunks a second), PGlite only. */
const speedup = (r: { db: string; chunks: number; build: { insertS: number } }) =>
  baseline && r.db === 'embedded' ? +(r.chunks / r.build.insertS / (baseline.chunks / baseline.insertS)).toFixed(2) : undefined;
for (const size of values.url ? [await existingSize()] : sizes) {
  for (const kind of values.url ? (['pg'] as const) : dbs) {
    if (kind === 'embedded' && size > embeddedMax) {
      skipped.push({
        db: kind,
        chunks: size,
        reason: `not built: over --embedded-max (${embeddedMax}); PGlite is single-threaded WebAssembly, so ${size} chunks take very long there; run with --db embedded --sizes ${size} --embedded-max ${size} to measure it`,
      });
      continue;
    }
    const t = await openTarget(kind);
    try {
      results.push(await run(t, size));
    } catch (e) {
      say(`${kind} ${size}: FAILED: ${(e as Error).message}`);
      skipped.push({ db: kind, chunks: size, reason: (e as Error).message });
    } finally {
      await t.close().catch((e) => say(`close: ${(e as Error).message}`));
    }
  }
}
const totalS = +((performance.now() - started) / 1000).toFixed(1);

if (values.json) {
  console.log(
    JSON.stringify({
      dims: DIMS,
      vocabulary: VOCAB.length,
      chunksPerDocument: CHUNKS_PER_DOC,
      queries: nQueries,
      recallQueries: nRecall,
      product: PRODUCT,
      baseline,
      results: results.map((r) => ({ ...r, insertSpeedupVsBaseline: speedup(r) })),
      skipped,
      totalS,
    }),
  );
} else {
  const f = (n: number) => n.toFixed(2);
  console.log(
    `Search benchmark — clustered unit vectors (${DIMS} dims, ${CENTROIDS.length} topics), Zipfian text over ${VOCAB.length} words, ${CHUNKS_PER_DOC} chunks/document; ${totalS} s total`,
  );
  console.log(
    `latency ms p50 / p95 (× bare HNSW p50 / p95); bare HNSW at ef_search ${PRODUCT.efSearch}; hybrid/dense/lexical = search_chunks with product settings (${PRODUCT.chunkLimit} rows, ${PRODUCT.candidates} candidates per leg, dense weight ${PRODUCT.denseWeight}); seed = seed hybrid_search`,
  );
  for (const r of results) {
    console.log(
      `\n${r.db}${r.sharedBuffers ? ` (shared_buffers ${r.sharedBuffers})` : ''} · ${r.chunks} chunks (${r.documents} docs, ${r.postings} postings) · insert ${r.build.insertS} s (load average ${r.build.insertLoadAvg}${speedup(r) ? `; ${speedup(r)}× the old path's chunks/s` : ''}), HNSW build ${r.build.hnswBuildS} s`,
    );
    for (const [k, l] of Object.entries(r.latencyMs))
      console.log(
        `  ${k.padEnd(8)} n=${String(l.n).padStart(3)}  ${f(l.p50).padStart(8)} / ${f(l.p95).padStart(8)}   (×${l.p50Ratio} / ×${l.p95Ratio})`,
      );
    console.log(
      `  exact    ${f(r.exactSearchMs.p50).padStart(8)} / ${f(r.exactSearchMs.p95).padStart(8)}   (sequential scan, the recall reference)`,
    );
    console.log(
      `  planner picks the HNSW index unforced at: ${Object.entries(r.plannerUsesIndex)
        .map(([k, v]) => `${k.replace('ef', 'ef_search ')} ${v ? 'yes' : 'no (exact scan)'}`)
        .join(', ')}`,
    );
    console.log(
      `  recall@10 (index forced): ${Object.entries(r.recallAt10)
        .map(([k, v]) => `${k.replace('ef', 'ef_search ')} ${v.recall.toFixed(3)} (p50 ${v.p50} ms)`)
        .join(', ')}`,
    );
    console.log(`  permission-filtered hybrid, p50 / p95 (× operator-scope p50 / p95) and filtered dense recall@10 vs exact filtered:`);
    for (const [k, l] of Object.entries(r.access.latencyMs))
      console.log(
        `    ${k.padEnd(10)} n=${String(l.n).padStart(3)}  ${f(l.p50).padStart(8)} / ${f(l.p95).padStart(8)}   (×${l.p50Ratio} / ×${l.p95Ratio})${r.access.denseRecallAt10[k] !== undefined ? `   recall@10 ${r.access.denseRecallAt10[k].toFixed(3)}` : ''}${r.access.overlapWithUnbounded[k] ? `   top-10 / top-6 docs as unbounded ${r.access.overlapWithUnbounded[k].top10Chunks.toFixed(3)} / ${r.access.overlapWithUnbounded[k].top6Documents.toFixed(3)}` : ''}`,
      );
  }
  if (baseline)
    console.log(
      `\nbaseline: embedded · ${baseline.chunks} chunks through the old row-wise INSERT (vectors as text) · insert ${baseline.insertS} s (load average ${baseline.insertLoadAvg})`,
    );
  for (const s of skipped) console.log(`\nskipped ${s.db} · ${s.chunks} chunks: ${s.reason}`);
}
