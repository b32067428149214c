// @Trajanus <question> in a channel: a status placeholder in the thread, then the answer.
import type { App } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { claimEvent, messageKey } from '../../dedupe.js';
import { answerInThread, questionText } from '../reply.js';

export function registerAppMention(app: App, ctx: BotContext): void {
  app.event('app_mention', async ({ event, client, context, body }) => {
    if (event.bot_id || (event.subtype && event.subtype !== 'thread_broadcast' && event.subtype !== 'file_share')) return;
    // One key per message, shared with the `message` listener: retries and the twin event are dropped.
    if (!(await claimEvent(ctx.db, messageKey(event.channel, event.ts)))) return;
    const hasFiles = Array.isArray((event as { files?: unknown[] }).files) && (event as { files: unknown[] }).files.length > 0;
    await ctx.inflight.later(() =>
      answerInThread(ctx, client, {
        text: questionText(event.text, context.botUserId),
        userId: event.user,
        teamId: (body as { team_id?: string }).team_id,
        channel: event.channel,
        threadTs: event.thread_ts ?? event.ts,
        messageTs: event.ts,
        surface: 'mention',
        hasFiles,
      }).catch((err) => ctx.logger.error({ err, channel: event.channel, ts: event.ts }, 'app_mention: could not deliver the answer')),
    );
  });
}
