// Messages: direct messages are questions; a reply without a mention in a thread the bot has
// answered is a follow-up; an edit or deletion of an answered question goes to lifecycle/.
// Bot messages, our own, and other subtypes (joins, bot posts…) are ignored.
import type { App } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { claimEvent, messageKey } from '../../dedupe.js';
import { sessionIdFor } from '../../handler.js';
import { onQuestionDeleted, onQuestionEdited } from '../../lifecycle/changes.js';
import { answerInThread, questionText } from '../reply.js';

/** True when the bot has answered in this thread (this process remembers; else `queries` knows). */
export async function isAnsweredThread(ctx: BotContext, sessionId: string): Promise<boolean> {
  if (ctx.answeredThreads.has(sessionId)) return true;
  const r = await ctx.db.query('SELECT 1 FROM queries WHERE session_id = $1 LIMIT 1', [sessionId]);
  return r.rows.length > 0;
}

/** Plain posts, thread broadcasts and posts with files are questions; other subtypes are not. */
const QUESTION_SUBTYPES = new Set([undefined, 'thread_broadcast', 'file_share']);

export function registerMessage(app: App, ctx: BotContext): void {
  app.event('message', async ({ event, client, context, body }) => {
    if (event.subtype === 'message_changed') return onQuestionEdited(ctx, client, event as never, context.botUserId);
    if (event.subtype === 'message_deleted') return onQuestionDeleted(ctx, client, event as never);
    if (!QUESTION_SUBTYPES.has(event.subtype)) return;
    const msg = event as typeof event & {
      user?: string;
      text?: string;
      bot_id?: string;
      thread_ts?: string;
      channel_type?: string;
      files?: unknown[];
    };
    if (msg.bot_id || !msg.user || msg.user === context.botUserId) return;
    const isDm = msg.channel_type === 'im';
    const isReply = !!msg.thread_ts && msg.thread_ts !== msg.ts;
    if (!isDm && !isReply) return;
    const threadTs = msg.thread_ts ?? msg.ts;
    if (!isDm && !(await isAnsweredThread(ctx, sessionIdFor(msg.channel, threadTs)!))) return;
    if (!(await claimEvent(ctx.db, messageKey(msg.channel, msg.ts)))) return;
    await ctx.inflight.later(() =>
      answerInThread(ctx, client, {
        text: questionText(msg.text, context.botUserId),
        userId: msg.user,
        teamId: (body as { team_id?: string }).team_id,
        channel: msg.channel,
        threadTs,
        messageTs: msg.ts,
        surface: 'message',
        hasFiles: (msg.files?.length ?? 0) > 0 || msg.subtype === 'file_share',
      }).catch((err) => ctx.logger.error({ err, channel: msg.channel, ts: msg.ts }, 'message: could not deliver the answer')),
    );
  });
}
