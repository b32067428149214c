// Per-person and per-workspace question limits, so one busy user or a runaway script cannot
// crowd out everyone else. Sliding one-minute windows in memory (per replica: the limits are
// meant to be generous, not exact). A refused question is told when it can be asked again.

const WINDOW_MS = 60_000;

export class SlidingWindow {
  private readonly hits = new Map<string, number[]>();
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when allowed (and counted); otherwise the milliseconds until a slot frees. */
  take(key: string): number {
    if (this.perMinute <= 0) return 0;
    const t = this.now();
    const list = (this.hits.get(key) ?? []).filter((x) => t - x < WINDOW_MS);
    if (list.length >= this.perMinute) {
      this.hits.set(key, list);
      return WINDOW_MS - (t - list[0]);
    }
    list.push(t);
    this.hits.set(key, list);
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (!v.length || t - v.at(-1)! >= WINDOW_MS) this.hits.delete(k);
    return 0;
  }

  /** Gives back a slot taken by `take` (a question refused by another limit is not counted). */
  untake(key: string): void {
    this.hits.get(key)?.pop();
  }
}

export type LimitVerdict = { ok: true } | { ok: false; scope: 'user' | 'workspace'; retryInSeconds: number };

export class QuestionLimits {
  private readonly users: SlidingWindow;
  private readonly workspaces: SlidingWindow;
  constructor(perUser: number, perWorkspace: number, now: () => number = Date.now) {
    this.users = new SlidingWindow(perUser, now);
    this.workspaces = new SlidingWindow(perWorkspace, now);
  }

  check(userId: string | undefined, teamId: string | undefined): LimitVerdict {
    const u = userId ? this.users.take(userId) : 0;
    if (u > 0) return { ok: false, scope: 'user', retryInSeconds: Math.ceil(u / 1000) };
    const w = this.workspaces.take(teamId ?? 'workspace');
    if (w > 0) {
      if (userId) this.users.untake(userId);
      return { ok: false, scope: 'workspace', retryInSeconds: Math.ceil(w / 1000) };
    }
    return { ok: true };
  }
}

/** The friendly refusal (mrkdwn, escaped). */
export function limitMessage(v: Extract<LimitVerdict, { ok: false }>): string {
  const when = v.retryInSeconds <= 1 ? 'in a second' : `in ${v.retryInSeconds} s`;
  return v.scope === 'user'
    ? `:hourglass: You've asked a lot of questions in the last minute. Please try again ${when} — nothing is broken, this keeps answers fast for everyone.`
    : `:hourglass: Many people are asking at once right now. Please try again ${when}.`;
}
