// A file-backed vector cache for the eval only: the offline embedder is deterministic, and re-embedding
// Cranfield for every run of a sweep costs minutes on these 2-core machines. Vectors are stored as
// the embedder returned them (JSON numbers round-trip doubles exactly), one file per model, under
// node_modules/.cache (never committed). `--no-vector-cache` turns it off.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Embedder } from '../src/core/embed/types.js';

export class FileCachedEmbedder implements Embedder {
  private readonly map = new Map<string, number[]>();
  private readonly file: string;
  hits = 0;
  misses = 0;

  constructor(
    private readonly inner: Embedder,
    dir = resolve('node_modules/.cache/trajanus-eval'),
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `vectors-${inner.id.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
    if (existsSync(this.file))
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const { h, v } = JSON.parse(line) as { h: string; v: number[] };
          this.map.set(h, v);
        } catch {
          // a line cut by an interrupted run: that text is embedded again
        }
      }
  }

  get id() {
    return this.inner.id;
  }
  get dimensions() {
    return this.inner.dimensions;
  }
  get maxInputTokens() {
    return this.inner.maxInputTokens;
  }

  async embed(texts: string[]): Promise<number[][]> {
    const keys = texts.map((t) => createHash('sha256').update(t).digest('hex'));
    const missing = [...new Set(keys.filter((k) => !this.map.has(k)))];
    this.hits += texts.length - missing.length;
    this.misses += missing.length;
    if (missing.length) {
      const byKey = new Map(keys.map((k, i) => [k, texts[i]]));
      const vectors = await this.inner.embed(missing.map((k) => byKey.get(k)!));
      appendFileSync(this.file, missing.map((k, i) => `${JSON.stringify({ h: k, v: vectors[i] })}\n`).join(''));
      missing.forEach((k, i) => this.map.set(k, vectors[i]));
    }
    return keys.map((k) => this.map.get(k)!);
  }
}
