// BEIR-format datasets (corpus.jsonl, queries.jsonl, qrels/test.tsv) and their metrics.
// Lives in bench/: the product never reads these files.
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { DocumentSource, FetchedFile, SourceFile } from '../src/core/sources/types.js';

export interface BeirDataset {
  name: string;
  dir: string;
  corpus: Map<string, { title: string; text: string }>;
  queries: Map<string, string>;
  /** query id → (doc id → grade > 0) */
  qrels: Map<string, Map<string, number>>;
}

async function readJsonl<T>(file: string): Promise<T[]> {
  const out: T[] = [];
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${file}:${n}: not a JSON line`);
    }
  }
  return out;
}

export async function loadBeir(dirArg: string): Promise<BeirDataset> {
  const dir = resolve(dirArg);
  for (const f of ['corpus.jsonl', 'queries.jsonl', 'qrels/test.tsv'])
    if (!existsSync(join(dir, f))) throw new Error(`${dir} is not a BEIR dataset: ${f} is missing`);
  const corpus = new Map<string, { title: string; text: string }>();
  for (const d of await readJsonl<{ _id: string; title?: string; text?: string }>(join(dir, 'corpus.jsonl')))
    corpus.set(String(d._id), { title: d.title ?? '', text: d.text ?? '' });
  const allQueries = new Map<string, string>();
  for (const q of await readJsonl<{ _id: string; text: string }>(join(dir, 'queries.jsonl'))) allQueries.set(String(q._id), q.text);
  const qrels = new Map<string, Map<string, number>>();
  const lines = (await readFile(join(dir, 'qrels/test.tsv'), 'utf8')).split('\n');
  for (const [i, line] of lines.entries()) {
    const [qid, did, score] = line.trim().split('\t');
    if (!qid || (i === 0 && !/^\d+$/.test(score ?? ''))) continue; // header
    const grade = Number(score);
    if (!(grade > 0)) continue;
    if (!qrels.has(qid)) qrels.set(qid, new Map());
    qrels.get(qid)!.set(did, grade);
  }
  // Only judged queries are evaluated (BEIR convention).
  const queries = new Map([...allQueries].filter(([id]) => qrels.has(id)));
  return { name: basename(dir), dir, corpus, queries, qrels };
}

/**
 * Serves a BEIR corpus to the real ingest pipeline as Markdown files, `# title` then the text: a
 * BEIR document is its title and its text, as the reference BM25s index it. As plain text, the
 * extractor took a short first line for the title (right for a file whose name is all it has), so
 * a one-line abstract replaced its document's title: 3 of Cranfield's 1,400 (lexical nDCG@10 0.348
 * → 0.354 with the title kept).
 */
export class BeirSource implements DocumentSource {
  readonly name = 'beir';
  constructor(private readonly ds: BeirDataset) {}

  async *list(): AsyncIterable<SourceFile> {
    for (const [id, d] of this.ds.corpus)
      yield { fileId: `beir:${id}`, title: d.title || id, mimeType: 'text/markdown', path: `${id}.md`, version: '1', metadata: {} };
  }

  async fetch(file: SourceFile): Promise<FetchedFile> {
    const d = this.ds.corpus.get(file.fileId.slice('beir:'.length))!;
    return { data: Buffer.from(d.title ? `# ${d.title}\n\n${d.text}` : d.text, 'utf8'), mimeType: 'text/markdown' };
  }
}

export interface Metrics {
  'ndcg@10': number;
  'recall@100': number;
  'mrr@10': number;
}

/** nDCG@10 with linear gains (as pytrec_eval / BEIR), Recall@100, MRR@10, for one query. */
export function scoreQuery(ranked: string[], rels: Map<string, number>): Metrics {
  const dcg = ranked.slice(0, 10).reduce((s, id, i) => s + (rels.get(id) ?? 0) / Math.log2(i + 2), 0);
  const ideal = [...rels.values()]
    .sort((a, b) => b - a)
    .slice(0, 10)
    .reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
  const top100 = new Set(ranked.slice(0, 100));
  const found = [...rels.keys()].filter((id) => top100.has(id)).length;
  const first = ranked.slice(0, 10).findIndex((id) => (rels.get(id) ?? 0) > 0);
  return {
    'ndcg@10': ideal ? dcg / ideal : 0,
    'recall@100': rels.size ? found / rels.size : 0,
    'mrr@10': first >= 0 ? 1 / (first + 1) : 0,
  };
}

export function meanMetrics(all: Metrics[]): Metrics {
  const mean = (k: keyof Metrics) => (all.length ? all.reduce((s, m) => s + m[k], 0) / all.length : 0);
  const r = (x: number) => Math.round(x * 10000) / 10000;
  return { 'ndcg@10': r(mean('ndcg@10')), 'recall@100': r(mean('recall@100')), 'mrr@10': r(mean('mrr@10')) };
}
