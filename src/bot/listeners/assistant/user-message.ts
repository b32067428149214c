// A message in the assistant panel: status while searching, the thread titled after the first
// question, then the answer in the thread (follow-ups share the thread's session).
import type { AssistantUserMessageMiddleware } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { claimEvent, messageKey } from '../../dedupe.js';
import { sessionIdFor } from '../../handler.js';
import { SEARCHING } from '../reply.js';

export function userMessage(ctx: BotContext): AssistantUserMessageMiddleware {
  return async ({ message, say, setStatus, setTitle, context }) => {
    const m = message as typeof message & { user?: string; text?: string; thread_ts?: string; bot_id?: string };
    if (m.subtype !== undefined || m.bot_id || !m.user || m.user === context.botUserId) return;
    if (!(await claimEvent(ctx.db, messageKey(m.channel, m.ts)))) return;
    const threadTs = m.thread_ts ?? m.ts;
    const text = (m.text ?? '').trim();
    ctx.metrics.question('assistant');
    await ctx.inflight.track(
      (async () => {
        try {
          await setStatus(SEARCHING);
          if (text) await setTitle(text.length > 60 ? `${text.slice(0, 59)}…` : text);
        } catch (err) {
          ctx.logger.warn({ err, channel: m.channel }, 'assistant: could not set status/title');
        }
        const r = await ctx.ask({ text, userId: m.user, channel: m.channel, threadTs, sessionId: sessionIdFor(m.channel, threadTs) });
        await say({ text: r.text, blocks: r.blocks });
      })().catch((err) => ctx.logger.error({ err, channel: m.channel, ts: m.ts }, 'assistant: could not deliver the answer')),
    );
  };
}
