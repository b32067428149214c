// Status lines shown while an answer is worked on ("Searching 1,240 documents…", "Reading 4
// sources…", "Waiting for
// 3 questions ahead of yours…"). The document count is read at most once a minute.
import type { Queryable } from '../core/db/types.js';

export class StatusLines {
  private count?: { n: number; at: number };
  constructor(
    private readonly db: Queryable,
    private readonly ttlMs = 60_000,
  ) {}

  async searching(): Promise<string> {
    const now = Date.now();
    if (!this.count || now - this.count.at > this.ttlMs) {
      try {
        const r = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents');
        this.count = { n: r.rows[0]?.n ?? 0, at: now };
      } catch {
        return 'Searching the knowledge base…';
      }
    }
    const n = this.count.n;
    return `Searching ${n.toLocaleString('en-US')} document${n === 1 ? '' : 's'}…`;
  }

  reading(sources: number): string {
    return `Reading ${sources.toLocaleString('en-US')} source${sources === 1 ? '' : 's'}…`;
  }

  waiting(ahead: number): string {
    return `Waiting for ${ahead.toLocaleString('en-US')} question${ahead === 1 ? '' : 's'} ahead of yours…`;
  }
}
