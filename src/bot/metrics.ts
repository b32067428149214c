// Prometheus metrics of the Slack surface, on their own Registry (one per app, so tests and a
// second app in one process do not collide). app.ts serves it on /metrics unless the caller
// passes its own `metrics` renderer.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QuestionObserver, QuestionOutcome } from './handler.js';

export interface MetricsRenderer {
  contentType: string;
  render(): Promise<string>;
}

export interface BotMetrics extends MetricsRenderer, QuestionObserver {
  registry: Registry;
  questions: Counter<'surface' | 'outcome'>;
  answerLatency: Histogram<'outcome'>;
  retrievalLatency: Histogram<string>;
  feedback: Counter<'value'>;
  /** Counts one question by where it came from; `observe` times it. */
  question(surface: string): void;
  recordFeedback(value: 1 | -1): void;
  retrieval(seconds: number): void;
}

export function createBotMetrics(opts: { defaultMetrics?: boolean } = {}): BotMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'trajanus_' });
  const questions = new Counter({
    name: 'trajanus_questions_total',
    help: 'Questions received, by surface (command, mention, message, assistant) and outcome',
    labelNames: ['surface', 'outcome'] as const,
    registers: [registry],
  });
  const answerLatency = new Histogram({
    name: 'trajanus_answer_latency_seconds',
    help: 'Time from question to rendered answer, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [registry],
  });
  const retrievalLatency = new Histogram({
    name: 'trajanus_retrieval_latency_seconds',
    help: 'Time to embed the query and run the hybrid search, per answered question',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const feedback = new Counter({
    name: 'trajanus_feedback_total',
    help: 'Feedback button presses, by value (up, down)',
    labelNames: ['value'] as const,
    registers: [registry],
  });
  return {
    registry,
    questions,
    answerLatency,
    retrievalLatency,
    feedback,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    question: (surface) => questions.inc({ surface, outcome: 'received' }),
    observe: (outcome: QuestionOutcome, seconds: number) => {
      questions.inc({ surface: 'all', outcome });
      answerLatency.observe({ outcome }, seconds);
    },
    retrieval: (seconds: number) => retrievalLatency.observe(seconds),
    recordFeedback: (value) => feedback.inc({ value: value > 0 ? 'up' : 'down' }),
  };
}

let shared: BotMetrics | undefined;
/** The process-wide bot metrics (created on first use, with Node's default metrics). */
export function botMetrics(): BotMetrics {
  return (shared ??= createBotMetrics({ defaultMetrics: true }));
}

export interface ServiceMetricSources {
  /** Running totals of the embedding cache (CachedEmbedder.totals). */
  cache: () => { hits: number; misses: number };
  /** Job runs by job and status, read when /metrics is scraped. */
  jobRuns: () => Promise<{ job: string; status: string; runs: number }[]>;
  /** Running totals of the answer engine (RagAnswerer.totals). */
  answers?: () => { unverifiedFigures: number; answersWithUnverifiedFigures: number };
}

/**
 * Figures that belong to the services rather than to Slack, read at scrape time: the embedding
 * cache's hits and misses since start, and job runs by status (from job_runs, so every replica
 * reports the same totals).
 */
export function registerServiceMetrics(registry: Registry, src: ServiceMetricSources): void {
  new Gauge({
    name: 'trajanus_embedding_cache_texts',
    help: 'Texts looked up in the embedding cache since start, by result (hit, miss)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const t = src.cache();
      this.set({ result: 'hit' }, t.hits);
      this.set({ result: 'miss' }, t.misses);
    },
  });
  const answers = src.answers;
  if (answers) {
    new Counter({
      name: 'trajanus_answer_unverified_figures_total',
      help: 'Figures in model answers that the cited sources do not hold (each removed from the answer and flagged)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(answers().unverifiedFigures);
      },
    });
    new Counter({
      name: 'trajanus_answers_with_unverified_figures_total',
      help: 'Model answers that had at least one figure removed by the figure check',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(answers().answersWithUnverifiedFigures);
      },
    });
  }
  new Gauge({
    name: 'trajanus_job_runs',
    help: 'Scheduled job runs recorded in job_runs, by job and status',
    labelNames: ['job', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await src.jobRuns()) this.set({ job: r.job, status: r.status }, r.runs);
    },
  });
}
