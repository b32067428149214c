// @Trajanus <question> in a channel: "Searching…" in the thread, then the answer in its place.
import type { App } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { claimEvent, messageKey } from '../../dedupe.js';
import { answerInThread, stripMention } from '../reply.js';

export function registerAppMention(app: App, ctx: BotContext): void {
  app.event('app_mention', async ({ event, client, context }) => {
    if (event.bot_id || (event.subtype && event.subtype !== 'thread_broadcast')) return;
    // One key per message, shared with the `message` listener: retries and the twin event are dropped.
    if (!(await claimEvent(ctx.db, messageKey(event.channel, event.ts)))) return;
    const text = stripMention(event.text ?? '', context.botUserId);
    await ctx.inflight.track(
      answerInThread(ctx, client, { text, userId: event.user, channel: event.channel, threadTs: event.thread_ts ?? event.ts, surface: 'mention' }).catch((err) =>
        ctx.logger.error({ err, channel: event.channel, ts: event.ts }, 'app_mention: could not deliver the answer'),
      ),
    );
  });
}
