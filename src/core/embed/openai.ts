// The SDK is imported on first use, so the offline embedder's commands never load it.
import type OpenAI from 'openai';
import { countTokens } from '../tokens.js';
import type { Embedder } from './types.js';

export interface OpenAIEmbedderOptions {
  apiKey?: string;
  /** OpenAI or any compatible server (Ollama, vLLM, LM Studio); default the SDK's own. */
  baseURL?: string;
  model?: string;
  /** Sent as `dimensions` only when set (text-embedding-3-* can shorten vectors). */
  dimensions?: number;
  timeoutMs?: number;
  /** Retries on 429/5xx/connection errors, with the SDK's backoff (honours retry-after). */
  maxRetries?: number;
}

/** Native vector sizes of OpenAI's embedding models. */
const DEFAULT_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** API limits per request: 2048 inputs, ~300k tokens in total (we keep a margin). */
export const MAX_INPUTS_PER_REQUEST = 2048;
export const MAX_TOKENS_PER_REQUEST = 250_000;

/** Splits texts into consecutive batches that respect both per-request limits. */
export function planBatches(texts: string[], maxInputs = MAX_INPUTS_PER_REQUEST, maxTokens = MAX_TOKENS_PER_REQUEST): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let tokens = 0;
  for (const text of texts) {
    const n = countTokens(text);
    if (current.length && (current.length >= maxInputs || tokens + n > maxTokens)) {
      batches.push(current);
      current = [];
      tokens = 0;
    }
    current.push(text);
    tokens += n;
  }
  if (current.length) batches.push(current);
  return batches;
}

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly maxInputTokens: number;
  readonly model: string;
  private readonly explicitDimensions?: number;
  private readonly clientOptions: ConstructorParameters<typeof OpenAI>[0];
  private sdk?: Promise<OpenAI>;

  constructor(opts: OpenAIEmbedderOptions = {}) {
    this.model = opts.model ?? 'text-embedding-3-small';
    const dims = opts.dimensions ?? DEFAULT_DIMENSIONS[this.model];
    if (!dims) throw new Error(`Embedding model ${this.model} has no known vector size: set EMBEDDING_DIMENSIONS`);
    this.dimensions = dims;
    this.explicitDimensions = opts.dimensions;
    this.id = `openai:${this.model}${opts.dimensions ? `@${opts.dimensions}` : ''}`;
    // OpenAI's models take 8191 tokens; for other servers' models it is a safe, common size.
    this.maxInputTokens = 8191;
    this.clientOptions = {
      apiKey: opts.apiKey ?? 'unused',
      baseURL: opts.baseURL,
      timeout: opts.timeoutMs ?? 60_000,
      maxRetries: opts.maxRetries ?? 4,
    };
  }

  private client(): Promise<OpenAI> {
    this.sdk ??= import('openai').then(({ default: OpenAI }) => new OpenAI(this.clientOptions));
    return this.sdk;
  }

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (const batch of planBatches(texts)) out.push(...(await this.embedBatch(batch)));
    return out;
  }

  private async embedBatch(input: string[]): Promise<number[][]> {
    const client = await this.client();
    const where = `${this.model} at ${client.baseURL.replace(/\/$/, '')}/embeddings`;
    let res: OpenAI.Embeddings.CreateEmbeddingResponse;
    try {
      res = await client.embeddings.create({
        model: this.model,
        input,
        // float: compatible servers do not all speak base64.
        encoding_format: 'float',
        ...(this.explicitDimensions ? { dimensions: this.explicitDimensions } : {}),
      });
    } catch (e) {
      throw new Error(`Embedding request to ${where} failed: ${(e as Error).message}`, { cause: e });
    }
    const data = [...(res?.data ?? [])].sort((a, b) => a.index - b.index);
    if (data.length !== input.length)
      throw new Error(`Embedding response from ${where} has ${data.length} vectors for ${input.length} inputs`);
    return data.map((d, i) => {
      if (d.index !== i) throw new Error(`Embedding response from ${where} has indexes that do not cover 0..${input.length - 1}`);
      const v = d.embedding as unknown;
      if (!Array.isArray(v) || v.length !== this.dimensions)
        throw new Error(
          `Embedding response from ${where} has a vector of ${Array.isArray(v) ? v.length : typeof v} dimensions, expected ${this.dimensions}`,
        );
      return v as number[];
    });
  }
}
