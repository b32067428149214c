// What every listener receives: the question handler, the database, config and logger, the
// metrics, and a tracker of in-flight answers (so stop() and the bench can wait for them).
import type { Config } from '../config.js';
import type { Database } from '../core/db/types.js';
import type { Logger } from '../core/log.js';
import type { QuestionHandler } from './handler.js';
import type { QuestionLimits } from './limits/rate-limit.js';
import type { BotMetrics } from './metrics.js';
import type { StatusLines } from './status.js';

export interface BotContext {
  handler: QuestionHandler;
  /** `handler.handle()` through the answer limiter (`inflight.run`): what listeners call. */
  ask: QuestionHandler['handle'];
  db: Database;
  config: Pick<Config, 'SLACK_ANSWER_VISIBILITY' | 'SLACK_EDIT_WINDOW_HOURS'>;
  logger: Logger;
  /** Counts questions and feedback; the question latency is observed by the handler. */
  metrics: Pick<BotMetrics, 'question' | 'recordFeedback'>;
  inflight: InFlight;
  /** Sessions (`channel:thread_ts`) this process answered: follow-ups need no query to know them. */
  answeredThreads: RecentSet;
  /** "Searching 1,240 documents…" and queue positions. */
  status: StatusLines;
  /** Per-user and per-workspace question limits. */
  limits: QuestionLimits;
}

/**
 * Work that continues after ack(). At most `limit` answers run at once; the rest wait their turn,
 * and each starts on a later turn of the event loop (setImmediate), so acknowledging new requests
 * (Slack allows 3 s) is never queued behind a burst of answers: with the embedded database, search
 * runs on the main thread. `drain()` waits for everything (shutdown, benchmarks, tests).
 */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly limit = 4) {}

  get size(): number {
    return this.pending.size;
  }

  /** How many answers would be ahead of one started now (0 when a slot is free). */
  get ahead(): number {
    return this.running < this.limit ? 0 : this.queue.length + 1;
  }

  /** Runs `fn` when a slot is free; resolves with its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const work = new Promise<void>((start) => {
      if (this.running < this.limit) {
        this.running++;
        setImmediate(start);
      } else this.queue.push(start);
    })
      .then(fn)
      .finally(() => {
        const next = this.queue.shift();
        if (next) setImmediate(next);
        else this.running--;
      });
    return this.track(work);
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const forget = () => this.pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  async drain(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    return true;
  }
}

/** A bounded insertion-ordered set (oldest dropped first). */
export class RecentSet {
  private readonly items = new Set<string>();
  constructor(private readonly max = 5000) {}
  add(key: string): void {
    this.items.delete(key);
    this.items.add(key);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value!);
  }
  has(key: string): boolean {
    return this.items.has(key);
  }
}
