// A small pool of worker threads for CPU-bound embedding: each task goes to the least busy worker.
// Idle workers are unref'd, so a process whose work is done exits without a close() call.
import { Worker } from 'node:worker_threads';

interface Pending {
  resolve(v: number[][]): void;
  reject(e: Error): void;
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  private dead?: Error;

  constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; vectors?: number[][]; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) worker.unref();
      if (m.error !== undefined) p.reject(new Error(`embedding worker: ${m.error}`));
      else p.resolve(m.vectors!);
    });
    const fail = (e: Error) => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`embedding worker failed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`embedding worker exited (code ${code})`)));
    // After the listeners: attaching a 'message' listener refs the worker's port again, and an idle
    // pool then kept a finished `ask` or `ingest` process alive.
    worker.unref();
  }

  get alive() {
    return !this.dead;
  }

  run(id: number, texts: string[]): Promise<number[][]> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, texts });
    });
  }

  terminate() {
    return this.worker.terminate();
  }
}

export class EmbedWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private next = 0;
  // Workers inherit the parent's flags (tsx's --import included); --input-type is valid only with
  // --eval and would make every worker fail to start in a process started with `node -e`.
  private readonly execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));

  /**
   * Workers start on demand, up to `maxSize`: each loads its own copy of the model, so a question
   * (one batch) starts one worker instead of paying every core's model load for nothing.
   */
  constructor(
    private readonly script: URL,
    private readonly maxSize: number,
  ) {}

  /** Workers started so far. */
  get size() {
    return this.workers.length;
  }

  private start(): void {
    this.workers.push(new PoolWorker(new Worker(this.script, { execArgv: this.execArgv })));
  }

  /** Starts one worker ahead of its first batch (a worker loads its model as it starts); idle, it keeps no process alive. */
  warm(): void {
    if (!this.workers.length) this.start();
  }

  /** One batch on an idle live worker, a new one while below the limit, else the least busy. */
  run(texts: string[]): Promise<number[][]> {
    let live = this.workers.filter((w) => w.alive);
    if (!live.some((w) => !w.pending.size) && this.workers.length < this.maxSize) {
      this.start();
      live = this.workers.filter((w) => w.alive);
    }
    if (!live.length) return Promise.reject(new Error('every embedding worker has failed'));
    const w = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    return w.run(++this.next, texts);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
