// A question that changes after it was answered. Edited (within SLACK_EDIT_WINDOW_HOURS): the
// new text is answered as if asked at the original's place in the thread, and the earlier
// answer is replaced in place with a note; an edit that leaves the text alone (unfurls, a
// reaction) does nothing. Deleted (message_deleted, or message_changed to a tombstone when the
// message had replies): the bot's answers that depend on it are deleted, or withdrawn in place
// when Slack will not delete them. Both are recorded in `queries`.
import type { webApi } from '@slack/bolt';
import { escapeMrkdwn } from '../blocks/escape.js';
import type { BotContext } from '../context.js';
import { claimEvent } from '../dedupe.js';
import { deliver } from '../delivery/deliver.js';
import { sendMessage } from '../delivery/send.js';
import { questionText, withNote } from '../listeners/reply.js';
import { answersToWithdraw, findAnswered, linkEdit, markDeleted, recordAnswer, turnsBefore } from './records.js';

export const EDITED_NOTE = 'Answer updated for the edited question.';
export const WITHDRAWN = 'The question was deleted, so this answer was withdrawn.';

interface ChangedEvent {
  channel: string;
  ts?: string;
  event_ts?: string;
  message?: { ts: string; text?: string; user?: string; bot_id?: string; subtype?: string; thread_ts?: string; edited?: { ts?: string } };
  previous_message?: { ts?: string; text?: string };
}

interface DeletedEvent {
  channel: string;
  deleted_ts?: string;
  event_ts?: string;
  previous_message?: { ts?: string; bot_id?: string };
}

export async function onQuestionEdited(
  ctx: BotContext,
  client: webApi.WebClient,
  ev: ChangedEvent,
  botUserId: string | undefined,
): Promise<void> {
  const m = ev.message;
  if (!m?.ts) return;
  if (m.subtype === 'tombstone') return onQuestionDeleted(ctx, client, { channel: ev.channel, deleted_ts: m.ts, event_ts: ev.event_ts });
  if (m.bot_id || !m.user || m.user === botUserId) return;
  const before = ev.previous_message?.text;
  if (before !== undefined && before === m.text) return; // an unfurl, a reaction, a pin: the question is the same
  const windowMs = ctx.config.SLACK_EDIT_WINDOW_HOURS * 3_600_000;
  if (windowMs <= 0) return;
  const answered = await findAnswered(ctx.db, ev.channel, m.ts);
  if (!answered || answered.deleted) return;
  if (Date.now() - answered.answeredAt.getTime() > windowMs) return;
  if (!(await claimEvent(ctx.db, `edit:${ev.channel}:${m.ts}:${m.edited?.ts ?? ev.event_ts ?? m.text}`))) return;
  const text = questionText(m.text, botUserId);
  const threadTs = answered.threadTs ?? m.thread_ts ?? m.ts;
  const sessionId = answered.sessionId ?? `${ev.channel}:${threadTs}`;
  await ctx.inflight.track(
    (async () => {
      ctx.metrics.question('edit');
      const history = await turnsBefore(ctx.db, sessionId, answered.latestQueryId);
      const result = await ctx.ask({ text, userId: m.user, channel: ev.channel, threadTs, sessionId, history });
      const queryId = result.answer?.queryId;
      if (queryId) await linkEdit(ctx.db, queryId, answered.firstQueryId);
      const msg = withNote(result, `:pencil2: ${escapeMrkdwn(EDITED_NOTE)}`, 'top');
      let answerTs: string | undefined;
      if (answered.answerTs) {
        try {
          await sendMessage(
            (x) => client.chat.update({ channel: ev.channel, ts: answered.answerTs!, text: x.text, blocks: x.blocks ?? [] }),
            msg,
          );
          answerTs = answered.answerTs;
        } catch (err) {
          ctx.logger.warn({ err, channel: ev.channel }, 'edit: could not update the earlier answer; posting the new one');
        }
      }
      if (!answerTs)
        answerTs = (await deliver(client, { channel: ev.channel, threadTs, userId: m.user }, msg, { logger: ctx.logger, what: 'edit' })).ts;
      if (queryId) await recordAnswer(ctx.db, { queryId, channel: ev.channel, questionTs: m.ts, answerTs, threadTs, userId: m.user });
    })().catch((err) => ctx.logger.error({ err, channel: ev.channel, ts: m.ts }, 'edit: could not answer the edited question')),
  );
}

export async function onQuestionDeleted(ctx: BotContext, client: webApi.WebClient, ev: DeletedEvent): Promise<void> {
  const ts = ev.deleted_ts;
  if (!ts || ev.previous_message?.bot_id) return;
  const answers = await answersToWithdraw(ctx.db, ev.channel, ts);
  if (!answers.length) return;
  if (!(await claimEvent(ctx.db, `deleted:${ev.channel}:${ts}`))) return;
  await ctx.inflight.track(
    (async () => {
      await markDeleted(
        ctx.db,
        answers.map((a) => a.queryId),
      );
      const seen = new Set<string>();
      for (const a of answers) {
        if (!a.answerTs || seen.has(a.answerTs)) continue;
        seen.add(a.answerTs);
        try {
          await client.chat.delete({ channel: ev.channel, ts: a.answerTs });
        } catch (err) {
          ctx.logger.warn(
            { err, channel: ev.channel, ts: a.answerTs },
            'deleted question: could not delete the answer; withdrawing it in place',
          );
          await sendMessage((x) => client.chat.update({ channel: ev.channel, ts: a.answerTs!, text: x.text, blocks: x.blocks ?? [] }), {
            text: WITHDRAWN,
            blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: `:wastebasket: ${WITHDRAWN}` }] }],
          }).catch((e: unknown) =>
            ctx.logger.error({ err: e, channel: ev.channel, ts: a.answerTs }, 'deleted question: could not withdraw the answer'),
          );
        }
      }
    })().catch((err) => ctx.logger.error({ err, channel: ev.channel, ts }, 'deleted question: could not withdraw its answers')),
  );
}
