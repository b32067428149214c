// Shared by the mention, message and edit listeners: a status placeholder in the thread, the
// answer, then delivery by the first route that works (delivery/deliver.ts), recorded so that an
// edit or deletion of the question can find the answer again.
import type { webApi } from '@slack/bolt';
import { messageBlocks } from '../blocks/answer.js';
import { escapeMrkdwn } from '../blocks/escape.js';
import { slackInputToPlain } from '../blocks/text.js';
import type { Block } from '../blocks/types.js';
import type { BotContext } from '../context.js';
import { deliver, type Delivered, type DeliveryTarget } from '../delivery/deliver.js';
import { LiveAnswer } from '../live/live-answer.js';
import type { QuestionInput, QuestionResult } from '../handler.js';
import { sessionIdFor } from '../handler.js';
import { recordAnswer } from '../lifecycle/records.js';
import { limitMessage } from '../limits/rate-limit.js';

export const SEARCHING = 'Searching the knowledge base…';
export const ATTACHMENTS_NOTE = 'Attachments are not read yet: I answered from the text of your message.';

/** Removes `<@BOT>` (with or without a `|name` label) from a message text. */
export function stripMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.trim();
  return text
    .replace(new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, 'g'), ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A question as Slack sends it → what the answer engine reads: the bot's mention removed, Slack's escaping undone once. */
export function questionText(raw: string | undefined, botUserId: string | undefined): string {
  return slackInputToPlain(stripMention(raw ?? '', botUserId)).trim();
}

export interface ThreadQuestion {
  text: string;
  userId?: string;
  teamId?: string;
  channel: string;
  threadTs: string;
  /** The asker's message (edits and deletions are matched on it). */
  messageTs: string;
  surface: 'mention' | 'message' | 'assistant';
  /** The message had files attached (not read yet). */
  hasFiles?: boolean;
}

/** Adds a context line under the rendered answer (within Slack's 50 blocks). */
export function withNote(
  r: Pick<QuestionResult, 'text' | 'blocks'>,
  note: string,
  where: 'top' | 'bottom' = 'bottom',
): { text: string; blocks: Block[] } {
  const line: Block = { type: 'context', elements: [{ type: 'mrkdwn', text: note }] };
  const blocks = r.blocks.slice(0, 49);
  return { text: r.text, blocks: where === 'top' ? [line, ...blocks] : [...blocks, line] };
}

/** A question's whole path after ack: limits, status, answer, delivery, record. */
export async function answerInThread(
  ctx: BotContext,
  client: webApi.WebClient,
  q: ThreadQuestion,
  opts: { setStatus?: (s: string) => Promise<unknown> } = {},
): Promise<Delivered> {
  ctx.metrics.question(q.surface);
  const target: DeliveryTarget = { channel: q.channel, threadTs: q.threadTs, userId: q.userId };
  const verdict = ctx.limits.check(q.userId, q.teamId);
  if (!verdict.ok) {
    const m = messageBlocks(limitMessage(verdict));
    return deliver(client, { ...target, ephemeral: true }, m, { logger: ctx.logger, what: 'rate limit' });
  }
  if (q.hasFiles && !q.text) {
    const m = messageBlocks(
      `:paperclip: I can't read attachments yet. Please type your question in the message itself, and I'll answer it from the documents.`,
    );
    return deliver(client, target, m, { logger: ctx.logger, what: q.surface });
  }
  const sessionId = sessionIdFor(q.channel, q.threadTs)!;
  const live = liveAnswer(ctx, client, q, opts.setStatus);
  const status = ctx.inflight.ahead > 0 ? ctx.status.waiting(ctx.inflight.ahead) : await ctx.status.searching();
  if (opts.setStatus) live.status(status);
  else await live.placeholder(status);
  const input: QuestionInput = {
    text: q.text,
    userId: q.userId,
    channel: q.channel,
    threadTs: q.threadTs,
    sessionId,
    progress: progressTo(ctx, live),
  };
  const result = await ctx.ask(input);
  if (result.answer) ctx.answeredThreads.add(sessionId);
  const msg = q.hasFiles ? withNote(result, `:paperclip: ${escapeMrkdwn(ATTACHMENTS_NOTE)}`) : result;
  const delivered = await live.settle(target, msg, { logger: ctx.logger, what: q.surface });
  await remember(ctx, result, {
    channel: q.channel,
    questionTs: q.messageTs,
    answerTs: delivered.ts,
    threadTs: q.threadTs,
    userId: q.userId,
  });
  return delivered;
}

/** The live status and draft of one answer in a thread. */
export function liveAnswer(
  ctx: BotContext,
  client: webApi.WebClient,
  q: { channel: string; threadTs: string; userId?: string; teamId?: string },
  setStatus?: (s: string) => Promise<unknown>,
): LiveAnswer {
  return new LiveAnswer(
    client,
    { channel: q.channel, threadTs: q.threadTs, userId: q.userId, teamId: q.teamId },
    { settings: ctx.live.settings, support: ctx.live.support, logger: ctx.logger, setStatus },
  );
}

/** The answerer's progress as status lines ("Reading 4 sources…") and drafts. */
export function progressTo(ctx: BotContext, live: LiveAnswer): QuestionInput['progress'] {
  return (p) => {
    if (p.stage === 'reading') live.status(ctx.status.reading(p.sources));
    else live.draft(p.text);
  };
}

/** Records where an answer went; a failed write costs only edit/delete tracking of that answer. */
export async function remember(
  ctx: BotContext,
  result: QuestionResult,
  where: { channel: string; questionTs: string; answerTs?: string; threadTs?: string; userId?: string },
): Promise<void> {
  const queryId = result.answer?.queryId;
  if (!queryId) return;
  await recordAnswer(ctx.db, { queryId, ...where }).catch((err: unknown) =>
    ctx.logger.warn({ err, queryId }, 'could not record where the answer was posted'),
  );
}
