// 👍/👎 under an answer: ack, store (one vote per user and answer; a second press changes it),
// and thank the user privately. The buttons stay: the message is shared, the vote is personal.
import type { App, BlockButtonAction } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { FEEDBACK_DOWN, FEEDBACK_UP } from '../../blocks/answer.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function recordFeedback(ctx: Pick<BotContext, 'db'>, queryId: string, userId: string, value: 1 | -1): Promise<boolean> {
  if (!UUID.test(queryId)) return false;
  const r = await ctx.db.query(
    `INSERT INTO feedback (query_id, user_id, value) SELECT id, $2, $3 FROM queries WHERE id = $1::uuid
     ON CONFLICT (query_id, user_id) DO UPDATE SET value = EXCLUDED.value, created_at = now()`,
    [queryId, userId, value],
  );
  return r.rowCount === 1;
}

export function registerFeedback(app: App, ctx: BotContext): void {
  app.action<BlockButtonAction>(
    { type: 'block_actions', action_id: new RegExp(`^(${FEEDBACK_UP}|${FEEDBACK_DOWN})$`) },
    async ({ ack, body, action, client, respond }) => {
      await ack();
      const value = action.action_id === FEEDBACK_UP ? 1 : -1;
      const userId = body.user.id;
      let stored = false;
      try {
        stored = await recordFeedback(ctx, action.value ?? '', userId, value);
        if (stored) ctx.metrics.recordFeedback(value);
      } catch (err) {
        ctx.logger.error({ err, queryId: action.value, userId }, 'feedback: could not store');
      }
      const text = stored
        ? value > 0
          ? 'Thanks for the feedback — glad it helped. 👍'
          : 'Thanks for the feedback — we will look at this answer. 👎'
        : 'Sorry, I could not record that feedback (the answer is no longer in the log).';
      const channel = body.channel?.id;
      const threadTs = body.message?.thread_ts ?? body.message?.ts;
      try {
        if (channel && !body.container?.is_ephemeral)
          await client.chat.postEphemeral({ channel, user: userId, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
        else await respond({ response_type: 'ephemeral', replace_original: false, text });
      } catch (err) {
        ctx.logger.warn({ err, channel, userId }, 'feedback: could not acknowledge');
      }
    },
  );
}
