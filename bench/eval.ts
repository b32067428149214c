// `npm run eval [-- <beir-dir>… | --dataset <beir-dir>…] [--json] [--queries N] [--fusion rrf|weighted]
//                [--dense-weight W[,W…]] [--no-long] [--no-vector-cache]`
// Ingests each BEIR dataset through the real pipeline into a fresh in-memory database, runs every
// judged query through dense only, lexical only, our hybrid, the seed's hybrid_search verbatim
// (same embedder, same run) and two reference BM25s (bench/reference-bm25.ts: Xapian's and Lucene's
// formulas over whole documents), and prints nDCG@10, Recall@100 and MRR@10, and lexical and hybrid as ratios of
// the reference. With no folder: the sample set, every set in ../shared/datasets, and a long-query
// variant of each (bench/long-queries.ts; --no-long skips them). Sets that share a corpus are
// ingested once. `--dense-weight 0,0.05,0.1` sweeps the fusion weight and prints, per weight, hybrid
// over reference BM25 on every set and the worst case (how SEARCH_DENSE_WEIGHT is chosen).
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { EmbeddedDatabase } from '../src/core/db/embedded.js';
import { migrate } from '../src/core/db/migrate.js';
import { CachedEmbedder } from '../src/core/embed/cache.js';
import { createEmbedder } from '../src/core/embed/index.js';
import { ensureEmbeddingSpace } from '../src/core/embed/space.js';
import { ingest } from '../src/core/ingest/index.js';
import { HybridSearcher, searchSettings, type SearchSettings } from '../src/core/search/search.js';
import { OPERATOR_SCOPE } from '../src/core/access/scope.js';
import { loadConfig } from '../src/config.js';
import { BeirSource, loadBeir, meanMetrics, scoreQuery, type BeirDataset, type Metrics } from './beir.js';
import { buildLongQuerySet } from './long-queries.js';
import { LUCENE_LIKE, ReferenceBm25, XAPIAN_LIKE } from './reference-bm25.js';
import { installSeedBaseline, seedSearch } from './seed-baseline.js';
import { FileCachedEmbedder } from './vector-cache.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    dataset: { type: 'string', multiple: true },
    queries: { type: 'string' },
    fusion: { type: 'string' },
    'dense-weight': { type: 'string' },
    'no-long': { type: 'boolean', default: false },
    'no-vector-cache': { type: 'boolean', default: false },
  },
});

const MODES = ['bm25-xapian', 'bm25-lucene', 'dense', 'lexical', 'hybrid', 'seed'] as const;
type Mode = (typeof MODES)[number];

async function defaultDatasets(): Promise<string[]> {
  const dirs = [resolve('samples/eval')];
  const shared = resolve('../shared/datasets');
  if (existsSync(shared))
    for (const d of readdirSync(shared, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)))
      if (d.isDirectory() && existsSync(join(shared, d.name, 'corpus.jsonl'))) dirs.push(join(shared, d.name));
  if (values['no-long']) return dirs;
  const long: string[] = [];
  for (const d of dirs) long.push(await buildLongQuerySet(d));
  return [...dirs, ...long];
}

const config = loadConfig();
const configured = searchSettings(config);
const sweep = (values['dense-weight'] ?? '').split(',').filter(Boolean).map(Number);
const settings: SearchSettings = {
  ...configured,
  fusion: (values.fusion as SearchSettings['fusion']) ?? configured.fusion,
  denseWeight: sweep.length === 1 ? sweep[0] : configured.denseWeight,
};

interface Result {
  dataset: string;
  embedder: string;
  queries: number;
  documents: number;
  chunks: number;
  results: Record<Mode, Metrics>;
  ratios: { lexicalToBm25: number; hybridToBm25: number; hybridToBestLeg: number };
  sweep: Record<string, number>;
}

/** Ingests the corpus the sets share once, then scores each set's queries. */
async function evaluate(sets: BeirDataset[]): Promise<Result[]> {
  const corpus = sets[0];
  const db = await EmbeddedDatabase.open();
  try {
    await migrate(db);
    const base = createEmbedder(config);
    const embedder = values['no-vector-cache'] ? base : new FileCachedEmbedder(base);
    await ensureEmbeddingSpace(db, embedder);
    const cached = new CachedEmbedder(db, embedder);
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `{name} {phase} [{bar}] {value}/{total} {eta_formatted}`,
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(corpus.corpus.size, 0, { phase: 'ingest', name: corpus.name });
    const summary = await ingest({ db, embedder: cached }, new BeirSource(corpus), {
      onProgress: (p) => p.phase === 'files' && bar.update(p.done),
    });
    // Empty corpus entries (Cranfield has two) cannot be ingested; they stay unretrievable, as in BEIR.
    if (summary.failed)
      console.error(
        `\n${corpus.name}: ${summary.failed} documents not ingested (${summary.errors
          .slice(0, 3)
          .map((e) => e.error)
          .join('; ')})`,
      );
    await installSeedBaseline(db);
    const docs: [string, string][] = [...corpus.corpus].map(([id, d]) => [id, `${d.title}\n${d.text}`]);
    const references = {
      'bm25-xapian': new ReferenceBm25(docs, XAPIAN_LIKE),
      'bm25-lucene': new ReferenceBm25(docs, LUCENE_LIKE),
    } as const;
    const searcher = new HybridSearcher(db, cached, settings);
    const swept =
      sweep.length > 1 ? sweep.map((w) => ({ w, searcher: new HybridSearcher(db, cached, { ...settings, denseWeight: w }) })) : [];
    const docId = (fileId: string) => fileId.slice('beir:'.length);
    const out: Result[] = [];
    for (const ds of sets) {
      const queries = [...ds.queries].slice(0, values.queries ? Number(values.queries) : undefined);
      bar.setTotal(queries.length);
      bar.update(0, { phase: 'search', name: ds.name });
      const per: Record<Mode, Metrics[]> = { 'bm25-xapian': [], 'bm25-lucene': [], dense: [], lexical: [], hybrid: [], seed: [] };
      const sweepRes = new Map<number, Metrics[]>();
      for (const [i, [qid, text]] of queries.entries()) {
        const rels = ds.qrels.get(qid)!;
        for (const [k, ref] of Object.entries(references))
          per[k as Mode].push(
            scoreQuery(
              ref.search(text, 100).map((r) => r.id),
              rels,
            ),
          );
        for (const mode of ['dense', 'lexical', 'hybrid'] as const) {
          // nDCG/MRR@10 from the product's own settings; Recall@100 from a deeper run of the same search.
          const top = await searcher.search(text, { access: OPERATOR_SCOPE, mode, matchCount: 10, log: false });
          const deep = await searcher.search(text, { access: OPERATOR_SCOPE, mode, matchCount: 100, log: false });
          const m = scoreQuery(
            top.documents.map((d) => docId(d.fileId)),
            rels,
          );
          m['recall@100'] = scoreQuery(
            deep.documents.map((d) => docId(d.fileId)),
            rels,
          )['recall@100'];
          per[mode].push(m);
        }
        for (const x of swept) {
          const top = await x.searcher.search(text, { access: OPERATOR_SCOPE, matchCount: 10, log: false });
          const list = sweepRes.get(x.w) ?? [];
          list.push(
            scoreQuery(
              top.documents.map((d) => docId(d.fileId)),
              rels,
            ),
          );
          sweepRes.set(x.w, list);
        }
        const emb = await cached.embedQuery(text);
        per.seed.push(scoreQuery((await seedSearch(db, text, emb, 100)).map(docId), rels));
        bar.update(i + 1);
      }
      const results = Object.fromEntries(MODES.map((m) => [m, meanMetrics(per[m])])) as Record<Mode, Metrics>;
      // "BM25" below is the better of the two references on this set.
      const ref = Math.max(results['bm25-xapian']['ndcg@10'], results['bm25-lucene']['ndcg@10']);
      const r3 = (x: number) => +x.toFixed(3);
      out.push({
        dataset: ds.name,
        embedder: embedder.id,
        queries: queries.length,
        documents: corpus.corpus.size,
        chunks: summary.chunks,
        results,
        ratios: {
          lexicalToBm25: r3(results.lexical['ndcg@10'] / ref),
          hybridToBm25: r3(results.hybrid['ndcg@10'] / ref),
          hybridToBestLeg: r3(results.hybrid['ndcg@10'] / Math.max(results.dense['ndcg@10'], results.lexical['ndcg@10'])),
        },
        sweep: Object.fromEntries([...sweepRes].map(([w, ms]) => [String(w), r3(meanMetrics(ms)['ndcg@10'] / ref)])),
      });
    }
    bar.stop();
    return out;
  } finally {
    await db.close();
  }
}

const named = [...positionals, ...(values.dataset ?? [])];
const dirs = named.length ? named : await defaultDatasets();
const groups = new Map<string, BeirDataset[]>();
for (const dir of dirs) {
  const ds = await loadBeir(dir);
  const key = realpathSync(join(ds.dir, 'corpus.jsonl'));
  groups.set(key, [...(groups.get(key) ?? []), ds]);
}
const out: Result[] = [];
for (const sets of groups.values()) {
  for (const r of await evaluate(sets)) {
    out.push(r);
    if (values.json) continue;
    const { results: res } = r;
    console.log(
      `\n${r.dataset}: ${r.documents} documents (${r.chunks} chunks), ${r.queries} queries, embedder ${r.embedder}, fusion ${settings.fusion} w=${settings.denseWeight}`,
    );
    console.log('retriever   nDCG@10  Recall@100  MRR@10');
    for (const m of MODES)
      console.log(
        `${m.padEnd(10)}  ${res[m]['ndcg@10'].toFixed(3)}    ${res[m]['recall@100'].toFixed(3)}      ${res[m]['mrr@10'].toFixed(3)}`,
      );
    console.log(
      `lexical / BM25 = ${r.ratios.lexicalToBm25.toFixed(3)}   hybrid / BM25 = ${r.ratios.hybridToBm25.toFixed(3)}   hybrid / best leg = ${r.ratios.hybridToBestLeg.toFixed(3)}`,
    );
  }
}
if (!values.json) {
  const worst = (k: keyof Result['ratios']) => Math.min(...out.map((r) => r.ratios[k]));
  console.log(
    `\nworst case over ${out.length} sets: lexical / BM25 ${worst('lexicalToBm25').toFixed(3)}, hybrid / BM25 ${worst('hybridToBm25').toFixed(3)}`,
  );
  if (sweep.length > 1) {
    console.log(`\nsweep (${settings.fusion}): hybrid nDCG@10 / reference BM25`);
    console.log(`weight  ${out.map((r) => r.dataset.padStart(15)).join(' ')}      worst`);
    for (const w of sweep) {
      const xs = out.map((r) => r.sweep[String(w)]);
      console.log(
        `${String(w).padEnd(6)}  ${xs.map((x) => x.toFixed(3).padStart(15)).join(' ')}  ${Math.min(...xs)
          .toFixed(3)
          .padStart(9)}`,
      );
    }
  }
} else console.log(JSON.stringify(out.length === 1 ? out[0] : out));
