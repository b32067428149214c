// `npm run eval [-- <beir-dir>… | --dataset <beir-dir>…] [--json] [--queries N] [--fusion rrf|weighted] [--dense-weight W]`
// Ingests each BEIR dataset through the real pipeline into a fresh in-memory database, runs every
// judged query through dense only, lexical only, our hybrid, and the seed's hybrid_search
// verbatim (same embedder, same run), and prints nDCG@10, Recall@100 and MRR@10.
import { existsSync, readdirSync } from 'node:fs';
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
import { BeirSource, loadBeir, meanMetrics, scoreQuery, type Metrics } from './beir.js';
import { installSeedBaseline, seedSearch } from './seed-baseline.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    dataset: { type: 'string', multiple: true },
    queries: { type: 'string' },
    fusion: { type: 'string' },
    'dense-weight': { type: 'string' },
  },
});

const MODES = ['dense', 'lexical', 'hybrid', 'seed'] as const;
type Mode = (typeof MODES)[number];

function defaultDatasets(): string[] {
  const dirs = [resolve('samples/eval')];
  const shared = resolve('../shared/datasets');
  if (existsSync(shared))
    for (const d of readdirSync(shared, { withFileTypes: true }))
      if (d.isDirectory() && existsSync(join(shared, d.name, 'corpus.jsonl'))) dirs.push(join(shared, d.name));
  return dirs;
}

async function evaluate(dir: string) {
  const config = loadConfig();
  const ds = await loadBeir(dir);
  const configured = searchSettings(config);
  const settings: SearchSettings = {
    ...configured,
    fusion: (values.fusion as SearchSettings['fusion']) ?? configured.fusion,
    denseWeight: values['dense-weight'] !== undefined ? Number(values['dense-weight'].split(',')[0]) : configured.denseWeight,
  };
  const db = await EmbeddedDatabase.open();
  try {
    await migrate(db);
    const embedder = createEmbedder(config);
    await ensureEmbeddingSpace(db, embedder);
    const cached = new CachedEmbedder(db, embedder);
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `${ds.name} {phase} [{bar}] {value}/{total} {eta_formatted}`, hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(ds.corpus.size, 0, { phase: 'ingest' });
    const summary = await ingest({ db, embedder: cached }, new BeirSource(ds), { onProgress: (p) => p.phase === 'files' && bar.update(p.done) });
    // Empty corpus entries (Cranfield has two) cannot be ingested; they stay unretrievable, as in BEIR.
    if (summary.failed) console.error(`\n${ds.name}: ${summary.failed} documents not ingested (${summary.errors.slice(0, 3).map((e) => e.error).join('; ')})`);
    await installSeedBaseline(db);
    const searcher = new HybridSearcher(db, cached, settings);
    // --dense-weight 0.1,0.2,0.3 sweeps the fusion weight over one ingest (extra rows hybrid@w).
    const sweep = (values['dense-weight'] ?? '').split(',').filter(Boolean).map(Number);
    const extra = sweep.length > 1 ? sweep.map((w) => ({ key: `hybrid@${w}`, searcher: new HybridSearcher(db, cached, { ...settings, denseWeight: w }) })) : [];
    const queries = [...ds.queries].slice(0, values.queries ? Number(values.queries) : undefined);
    bar.setTotal(queries.length);
    bar.update(0, { phase: 'search' });
    const per: Record<Mode, Metrics[]> = { dense: [], lexical: [], hybrid: [], seed: [] };
    const sweepRes: Record<string, Metrics[]> = {};
    const docId = (fileId: string) => fileId.slice('beir:'.length);
    for (const [i, [qid, text]] of queries.entries()) {
      const rels = ds.qrels.get(qid)!;
      for (const mode of ['dense', 'lexical', 'hybrid'] as const) {
        // nDCG/MRR@10 from the product's own settings; Recall@100 from a deeper run of the same search.
        const top = await searcher.search(text, { access: OPERATOR_SCOPE, mode, matchCount: 10, log: false });
        const deep = await searcher.search(text, { access: OPERATOR_SCOPE, mode, matchCount: 100, log: false });
        const m = scoreQuery(top.documents.map((d) => docId(d.fileId)), rels);
        m['recall@100'] = scoreQuery(deep.documents.map((d) => docId(d.fileId)), rels)['recall@100'];
        per[mode].push(m);
      }
      for (const x of extra) {
        const top = await x.searcher.search(text, { access: OPERATOR_SCOPE, matchCount: 10, log: false });
        (sweepRes[x.key] ??= []).push(scoreQuery(top.documents.map((d) => docId(d.fileId)), rels));
      }
      const emb = await cached.embedQuery(text);
      per.seed.push(scoreQuery((await seedSearch(db, text, emb, 100)).map(docId), rels));
      bar.update(i + 1);
    }
    bar.stop();
    const results = Object.fromEntries(MODES.map((m) => [m, meanMetrics(per[m])])) as Record<Mode, Metrics>;
    for (const [k, v] of Object.entries(sweepRes)) console.error(`${ds.name} ${k}: nDCG@10 ${meanMetrics(v)['ndcg@10'].toFixed(4)}`);
    return { dataset: ds.name, embedder: embedder.id, queries: queries.length, documents: ds.corpus.size, chunks: summary.chunks, settings, results };
  } finally {
    await db.close();
  }
}

const named = [...positionals, ...(values.dataset ?? [])];
const dirs = named.length ? named : defaultDatasets();
const out: Awaited<ReturnType<typeof evaluate>>[] = [];
for (const dir of dirs) {
  const r = await evaluate(dir);
  out.push(r);
  if (!values.json) {
    const { results: res } = r;
    const best = Math.max(res.dense['ndcg@10'], res.lexical['ndcg@10']);
    console.log(`\n${r.dataset}: ${r.documents} documents (${r.chunks} chunks), ${r.queries} queries, embedder ${r.embedder}, fusion ${r.settings.fusion} w=${r.settings.denseWeight}`);
    console.log('retriever   nDCG@10  Recall@100  MRR@10');
    for (const m of MODES) console.log(`${m.padEnd(10)}  ${res[m]['ndcg@10'].toFixed(3)}    ${res[m]['recall@100'].toFixed(3)}      ${res[m]['mrr@10'].toFixed(3)}`);
    const vsBest = res.hybrid['ndcg@10'] / best;
    const vsSeed = res.seed['ndcg@10'] ? res.hybrid['ndcg@10'] / res.seed['ndcg@10'] : Infinity;
    console.log(`hybrid / best single leg = ${vsBest.toFixed(3)}   hybrid / seed = ${vsSeed.toFixed(2)}×`);
  }
}
if (values.json) {
  const strip = ({ settings: _s, documents: _d, chunks: _c, ...rest }: (typeof out)[number]) => rest;
  console.log(JSON.stringify(out.length === 1 ? strip(out[0]) : out.map(strip)));
}
