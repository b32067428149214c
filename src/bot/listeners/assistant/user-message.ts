// A message in the assistant panel: a status while searching (always cleared after), the thread
// titled once from its first question, then the answer in the thread by the first route that
// works (follow-ups share the thread's session).
import type { AssistantUserMessageMiddleware } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { claimEvent, messageKey } from '../../dedupe.js';
import { claimTitle } from '../../lifecycle/assistant-threads.js';
import { answerInThread, questionText } from '../reply.js';

export function userMessage(ctx: BotContext): AssistantUserMessageMiddleware {
  return async ({ message, setStatus, setTitle, context, client, body }) => {
    const m = message as typeof message & { user?: string; text?: string; thread_ts?: string; bot_id?: string; files?: unknown[] };
    if ((m.subtype !== undefined && m.subtype !== 'file_share') || m.bot_id || !m.user || m.user === context.botUserId) return;
    if (!(await claimEvent(ctx.db, messageKey(m.channel, m.ts)))) return;
    const threadTs = m.thread_ts ?? m.ts;
    const text = questionText(m.text, context.botUserId);
    await ctx.inflight.track(
      (async () => {
        try {
          if (text && (await claimTitle(ctx.db, m.channel, threadTs))) await setTitle(text.length > 60 ? `${text.slice(0, 59)}…` : text);
        } catch (err) {
          ctx.logger.warn({ err, channel: m.channel }, 'assistant: could not set the title');
        }
        try {
          await answerInThread(
            ctx,
            client,
            {
              text,
              userId: m.user,
              teamId: (body as { team_id?: string }).team_id,
              channel: m.channel,
              threadTs,
              messageTs: m.ts,
              surface: 'assistant',
              hasFiles: (m.files?.length ?? 0) > 0 || m.subtype === 'file_share',
            },
            { setStatus: (s) => setStatus(s) },
          );
        } finally {
          // A status left up reads as "still thinking" forever.
          await setStatus('').catch((err: unknown) =>
            ctx.logger.warn({ err, channel: m.channel }, 'assistant: could not clear the status'),
          );
        }
      })().catch((err) => ctx.logger.error({ err, channel: m.channel, ts: m.ts }, 'assistant: could not deliver the answer')),
    );
  };
}
