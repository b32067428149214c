// Messages: direct messages are questions; a reply without a mention in a thread the bot has
// answered is a follow-up. Bot messages, our own, and edits/deletions (subtypes) are ignored.
import type { App } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { claimEvent, messageKey } from '../../dedupe.js';
import { sessionIdFor } from '../../handler.js';
import { answerInThread, stripMention } from '../reply.js';

/** True when the bot has answered in this thread (this process remembers; else `queries` knows). */
export async function isAnsweredThread(ctx: BotContext, sessionId: string): Promise<boolean> {
  if (ctx.answeredThreads.has(sessionId)) return true;
  const r = await ctx.db.query('SELECT 1 FROM queries WHERE session_id = $1 LIMIT 1', [sessionId]);
  return r.rows.length > 0;
}

export function registerMessage(app: App, ctx: BotContext): void {
  app.event('message', async ({ event, client, context }) => {
    // Subtypes are edits, deletions, joins, bot posts…; only plain posts (and thread broadcasts) are questions.
    if (event.subtype !== undefined && event.subtype !== 'thread_broadcast') return;
    const msg = event as typeof event & { user?: string; text?: string; bot_id?: string; thread_ts?: string; channel_type?: string };
    if (msg.bot_id || !msg.user || msg.user === context.botUserId) return;
    const isDm = msg.channel_type === 'im';
    const isReply = !!msg.thread_ts && msg.thread_ts !== msg.ts;
    if (!isDm && !isReply) return;
    const threadTs = msg.thread_ts ?? msg.ts;
    if (!isDm && !(await isAnsweredThread(ctx, sessionIdFor(msg.channel, threadTs)!))) return;
    if (!(await claimEvent(ctx.db, messageKey(msg.channel, msg.ts)))) return;
    const text = stripMention(msg.text ?? '', context.botUserId);
    await ctx.inflight.track(
      answerInThread(ctx, client, { text, userId: msg.user, channel: msg.channel, threadTs, surface: 'message' }).catch((err) =>
        ctx.logger.error({ err, channel: msg.channel, ts: msg.ts }, 'message: could not deliver the answer'),
      ),
    );
  });
}
