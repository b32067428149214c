// Search and answer logging off the hot path: the caller gets its result first, the INSERT runs
// after, and close() waits for what is still in flight. A failed log line never fails a search.
import type { Queryable } from '../db/types.js';
import type { Logger } from '../log.js';

export class BackgroundWriter {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly logger?: Logger) {}

  /** Runs `write` without awaiting it; its errors are logged, not thrown. */
  run(what: string, write: () => Promise<unknown>): void {
    const p = write()
      .catch((e) => this.logger?.warn({ err: e, what }, 'background write failed'))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}

export interface QueryLogRow {
  kind: 'search' | 'answer';
  queryText: string;
  embedding?: string | null;
  resultsCount: number;
  executionMs: number;
  userId?: string | null;
  sessionId?: string | null;
  standaloneQuery?: string | null;
  answer?: string | null;
  sources?: unknown;
  confidence?: number | null;
  noAnswer?: boolean | null;
  timings?: Record<string, number>;
  filters?: unknown;
  model?: string | null;
}

/** Inserts one `queries` row and returns its id (feedback joins on it). */
export async function insertQueryLog(db: Queryable, r: QueryLogRow): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO queries (kind, query_text, query_embedding, results_count, execution_time_ms, user_id, session_id,
                          standalone_query, answer, sources, confidence, no_answer, timings, filters, model)
     VALUES ($1, $2, $3::vector, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13::jsonb, $14::jsonb, $15) RETURNING id`,
    [
      r.kind,
      r.queryText,
      r.embedding ?? null,
      r.resultsCount,
      Math.round(r.executionMs),
      r.userId ?? null,
      r.sessionId ?? null,
      r.standaloneQuery ?? null,
      r.answer ?? null,
      r.sources === undefined ? null : JSON.stringify(r.sources),
      r.confidence ?? null,
      r.noAnswer ?? null,
      r.timings ? JSON.stringify(r.timings) : null,
      r.filters === undefined ? null : JSON.stringify(r.filters),
      r.model ?? null,
    ],
  );
  await db.query('SELECT log_query_stats($1, $2, $3)', [r.kind, Math.round(r.executionMs), r.resultsCount]);
  return res.rows[0].id;
}
