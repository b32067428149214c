// Threads Slack opened in the assistant panel. Bolt's Assistant takes every DM message in a
// thread; only these are the panel's, the rest are replies under an ordinary DM answer.
import type { Queryable } from '../../core/db/types.js';

export async function rememberAssistantThread(db: Queryable, channel: string, threadTs: string): Promise<void> {
  await db.query('INSERT INTO slack_assistant_threads (channel, thread_ts) VALUES ($1, $2) ON CONFLICT DO NOTHING', [channel, threadTs]);
}

export async function isAssistantThread(db: Queryable, channel: string, threadTs: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM slack_assistant_threads WHERE channel = $1 AND thread_ts = $2', [channel, threadTs]);
  return r.rows.length > 0;
}

/** True exactly once per thread: the first question titles it. */
export async function claimTitle(db: Queryable, channel: string, threadTs: string): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO slack_assistant_threads (channel, thread_ts, titled) VALUES ($1, $2, true)
     ON CONFLICT (channel, thread_ts) DO UPDATE SET titled = true WHERE slack_assistant_threads.titled = false RETURNING 1`,
    [channel, threadTs],
  );
  return r.rows.length > 0;
}
