// A rerank endpoint in the shape Cohere, Jina, Infinity, vLLM and Xinference share:
//   POST <url> {model, query, documents: [text…], top_n, return_documents: false}
//   → {results: [{index, relevance_score}…]}
// Hugging Face's text-embeddings-inference takes {query, texts} and answers [{index, score}…]; both
// answers are read. The whole call has one timeout; an error names the endpoint, never the key.
import type { Reranker } from './types.js';

export interface HttpRerankerOptions {
  url: string;
  model?: string;
  apiKey?: string;
  timeoutMs?: number;
}

interface RerankItem {
  index: number;
  relevance_score?: number;
  score?: number;
}

export class HttpReranker implements Reranker {
  readonly id: string;

  constructor(private readonly opts: HttpRerankerOptions) {
    this.id = `http:${opts.model ?? new URL(opts.url).host}`;
  }

  async score(query: string, texts: string[]): Promise<number[]> {
    if (!texts.length) return [];
    const { url, model, apiKey, timeoutMs = 10_000 } = this.opts;
    const endpoint = new URL(url);
    const where = `${endpoint.origin}${endpoint.pathname}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        body: JSON.stringify({ ...(model ? { model } : {}), query, documents: texts, texts, top_n: texts.length, return_documents: false }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new Error(`rerank endpoint ${where} did not answer: ${(e as Error).message}`);
    }
    if (!res.ok) throw new Error(`rerank endpoint ${where} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as { results?: RerankItem[] } | RerankItem[];
    const items = Array.isArray(body) ? body : body.results;
    if (!Array.isArray(items)) throw new Error(`rerank endpoint ${where}: the answer has no results list`);
    const scores: number[] = new Array(texts.length).fill(Number.NEGATIVE_INFINITY);
    for (const it of items) {
      const s = it.relevance_score ?? it.score;
      if (!Number.isInteger(it.index) || it.index < 0 || it.index >= texts.length || typeof s !== 'number')
        throw new Error(`rerank endpoint ${where}: malformed result ${JSON.stringify(it).slice(0, 100)}`);
      scores[it.index] = s;
    }
    return scores;
  }
}
