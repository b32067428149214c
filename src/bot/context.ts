// What every listener receives: the question handler, the database, config and logger, the
// metrics, and a tracker of in-flight answers (so stop() and the bench can wait for them).
import type { Config } from '../config.js';
import { inBackground, type Foreground } from '../core/db/background.js';
import type { Database } from '../core/db/types.js';
import type { Logger } from '../core/log.js';
import type { SlackAccess } from './access.js';
import type { QuestionHandler } from './handler.js';
import type { QuestionLimits } from './limits/rate-limit.js';
import type { BotMetrics } from './metrics.js';
import type { StatusLines } from './status.js';
import type { LiveSettings, StreamSupport } from './live/live-answer.js';

export interface BotContext {
  handler: QuestionHandler;
  /** `handler.handle()` through the answer limiter (`inflight.run`): what listeners call. */
  ask: QuestionHandler['handle'];
  db: Database;
  config: Pick<Config, 'SLACK_ANSWER_VISIBILITY' | 'SLACK_EDIT_WINDOW_HOURS' | 'SLACK_ADMIN_USER_IDS'>;
  /** How drafts are shown while a model writes, and whether this workspace has Slack's streaming API. */
  live: { settings: LiveSettings; support: StreamSupport };
  logger: Logger;
  /** Counts questions and feedback; the question latency is observed by the handler. */
  metrics: Pick<BotMetrics, 'question' | 'recordFeedback'>;
  inflight: InFlight;
  /** Sessions (`channel:thread_ts`) this process answered: follow-ups need no query to know them. */
  answeredThreads: RecentSet;
  /** Who may read what here: Slack identities and channel audiences (cached). */
  access: SlackAccess;
  /** "Searching 1,240 documents…" and queue positions. */
  status: StatusLines;
  /** Per-user and per-workspace question limits. */
  limits: QuestionLimits;
}

/**
 * Work that continues after ack(). At most `limit` answers run at once; the rest wait their turn.
 * An answer starts only once requests have stopped arriving for `quietMs` (or after `maxDeferMs`
 * at the latest), so acknowledging a burst of requests (Slack allows 3 s) is never queued behind
 * the answers of its first few: with the embedded database, search runs on the main thread.
 * `drain()` waits for everything (shutdown, benchmarks, tests).
 */
export class InFlight implements Foreground {
  private readonly pending = new Set<Promise<unknown>>();
  /** HTTP requests received and not yet answered (their acks): background statements wait for them. */
  private requests = 0;
  private idleWaiters: Array<() => void> = [];
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private lastArrival = 0;

  constructor(
    readonly limit = 4,
    private readonly quietMs = 50,
    private readonly maxDeferMs = 1000,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** How many answers would be ahead of one started now (0 when a slot is free). */
  get ahead(): number {
    return this.running < this.limit ? 0 : this.queue.length + 1;
  }

  /** A request came in (called before any listener runs): answers hold back while requests keep coming. */
  noteArrival(): void {
    this.lastArrival = performance.now();
  }

  /** An HTTP request reached the server; `done` is called once it is answered (acked) or dropped. */
  requestStarted(): () => void {
    this.requests++;
    this.lastArrival = performance.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.requests === 0 && this.idleWaiters.length) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        // After this turn's I/O, so requests that arrived with it are counted before answers go on.
        setImmediate(() => {
          for (const w of waiters) w();
        });
      }
    };
  }

  /**
   * Foreground.idle (core/db/background.ts): an answer's next database statement waits while
   * requests await their ack — at most `maxDeferMs` each time, so a steady stream cannot starve it.
   */
  idle(): Promise<void> | undefined {
    if (this.requests === 0) return undefined;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.maxDeferMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Calls `start` once no request has arrived for `quietMs`, or after `maxDeferMs`. */
  private whenQuiet(start: () => void): void {
    const since = performance.now();
    const tick = () => {
      const now = performance.now();
      if ((this.requests === 0 && now - this.lastArrival >= this.quietMs) || now - since >= this.maxDeferMs) setImmediate(start);
      else setTimeout(tick, this.quietMs);
    };
    tick();
  }

  /** Runs `fn` (everything a listener does after ack: posts, queries, the answer) once requests stop arriving; tracked for drain(). */
  later<T>(fn: () => Promise<T>): Promise<T> {
    return this.track(new Promise<void>((start) => this.whenQuiet(start)).then(() => inBackground(this, fn)));
  }

  /** Runs `fn` when a slot is free; resolves with its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const work = new Promise<void>((start) => {
      if (this.running < this.limit) {
        this.running++;
        this.whenQuiet(start);
      } else this.queue.push(start);
    })
      .then(() => inBackground(this, fn))
      .finally(() => {
        const next = this.queue.shift();
        if (next) this.whenQuiet(next);
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
