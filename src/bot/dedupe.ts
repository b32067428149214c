// Slack redelivers events (retries after 3 s, X-Slack-Retry-Num) and sends both `app_mention` and
// `message` for one mention in a channel the bot is in. The first INSERT of a key wins; later
// deliveries see no row returned and are dropped. Keys: `event:<event_id>` for an event envelope,
// `msg:<channel>:<ts>` for a message, so the mention and the message of one post share a key.
import type { Queryable } from '../core/db/types.js';

/** Rows older than this are pruned; Slack retries within minutes, so an hour is ample (> 5 min). */
export const DEDUPE_TTL_MS = 60 * 60 * 1000;
const PRUNE_EVERY_MS = 5 * 60 * 1000;
const lastPrune = new WeakMap<object, number>();

export const eventKey = (eventId: string) => `event:${eventId}`;
export const messageKey = (channel: string, ts: string) => `msg:${channel}:${ts}`;

/** True when this call is the first to claim `key` (process it); false for a duplicate. */
export async function claimEvent(db: Queryable, key: string): Promise<boolean> {
  const r = await db.query<{ event_key: string }>(
    'INSERT INTO slack_events_seen (event_key) VALUES ($1) ON CONFLICT (event_key) DO NOTHING RETURNING event_key',
    [key],
  );
  maybePrune(db);
  return r.rows.length === 1;
}

/** Deletes old keys at most every 5 minutes per database, off the request path. */
function maybePrune(db: Queryable): void {
  const now = Date.now();
  if (now - (lastPrune.get(db) ?? 0) < PRUNE_EVERY_MS) return;
  lastPrune.set(db, now);
  void pruneEvents(db).catch(() => lastPrune.delete(db));
}

export async function pruneEvents(db: Queryable, ttlMs = DEDUPE_TTL_MS): Promise<number> {
  const r = await db.query(`DELETE FROM slack_events_seen WHERE seen_at < now() - make_interval(secs => $1)`, [ttlMs / 1000]);
  return r.rowCount;
}
