// Which Slack message asked which question, and where its answer is: what edits and deletions
// need to find the bot's answer again (across restarts and replicas, hence in Postgres).
import type { ChatTurn } from '../../core/answer/types.js';
import type { Queryable } from '../../core/db/types.js';

export interface AnswerRecord {
  queryId: string;
  channel: string;
  questionTs: string;
  answerTs?: string;
  threadTs?: string;
  userId?: string;
}

export async function recordAnswer(db: Queryable, r: AnswerRecord): Promise<void> {
  await db.query(
    `INSERT INTO slack_answers (query_id, channel, question_ts, answer_ts, thread_ts, user_id) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (query_id) DO UPDATE SET answer_ts = EXCLUDED.answer_ts`,
    [r.queryId, r.channel, r.questionTs, r.answerTs ?? null, r.threadTs ?? null, r.userId ?? null],
  );
}

export interface AnsweredQuestion {
  /** The first answer's row (edits link to it). */
  firstQueryId: string;
  /** The newest row for this message (the first, or its latest edit). */
  latestQueryId: string;
  answerTs: string | null;
  threadTs: string | null;
  sessionId: string | null;
  /** When the newest answer was given. */
  answeredAt: Date;
  deleted: boolean;
}

/** The bot's answer to the message `channel`/`ts`, if it answered it. */
export async function findAnswered(db: Queryable, channel: string, ts: string): Promise<AnsweredQuestion | undefined> {
  const r = await db.query<{
    query_id: string;
    edit_of: string | null;
    answer_ts: string | null;
    thread_ts: string | null;
    session_id: string | null;
    created_at: Date | string;
    question_deleted_at: unknown;
  }>(
    `SELECT a.query_id, q.edit_of, a.answer_ts, a.thread_ts, q.session_id, a.created_at, q.question_deleted_at
       FROM slack_answers a JOIN queries q ON q.id = a.query_id
      WHERE a.channel = $1 AND a.question_ts = $2 ORDER BY a.created_at DESC LIMIT 1`,
    [channel, ts],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    firstQueryId: row.edit_of ?? row.query_id,
    latestQueryId: row.query_id,
    answerTs: row.answer_ts,
    threadTs: row.thread_ts,
    sessionId: row.session_id,
    answeredAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
    deleted: row.question_deleted_at !== null,
  };
}

/** The thread's turns before `beforeQueryId` (an edited question is answered as if asked then), oldest first. */
export async function turnsBefore(db: Queryable, sessionId: string, beforeQueryId: string, limit = 6): Promise<ChatTurn[]> {
  const r = await db.query<{ query_text: string; answer: string | null }>(
    `SELECT q.query_text, q.answer FROM queries q
      WHERE q.session_id = $1 AND q.kind = 'answer' AND q.question_deleted_at IS NULL
        AND q.created_at < (SELECT created_at FROM queries WHERE id = $2)
        AND NOT EXISTS (SELECT 1 FROM queries e WHERE e.edit_of = coalesce(q.edit_of, q.id) AND e.created_at > q.created_at)
        AND q.id <> $2
      ORDER BY q.created_at DESC LIMIT $3`,
    [sessionId, beforeQueryId, limit],
  );
  return r.rows
    .reverse()
    .flatMap((x): ChatTurn[] => [
      { role: 'user', content: x.query_text },
      ...(x.answer ? [{ role: 'assistant' as const, content: x.answer }] : []),
    ]);
}

export async function linkEdit(db: Queryable, editQueryId: string, firstQueryId: string): Promise<void> {
  await db.query('UPDATE queries SET edit_of = $2 WHERE id = $1', [editQueryId, firstQueryId]);
}

/** The bot's answers that depend on the message: its own answers, and, for a thread's first message, every answer in that thread. */
export async function answersToWithdraw(
  db: Queryable,
  channel: string,
  ts: string,
): Promise<{ queryId: string; answerTs: string | null }[]> {
  const r = await db.query<{ query_id: string; answer_ts: string | null }>(
    `SELECT query_id, answer_ts FROM slack_answers WHERE channel = $1 AND (question_ts = $2 OR thread_ts = $2)`,
    [channel, ts],
  );
  return r.rows.map((x) => ({ queryId: x.query_id, answerTs: x.answer_ts }));
}

export async function markDeleted(db: Queryable, queryIds: string[]): Promise<void> {
  if (queryIds.length)
    await db.query('UPDATE queries SET question_deleted_at = now() WHERE id = ANY($1::uuid[]) AND question_deleted_at IS NULL', [queryIds]);
}
