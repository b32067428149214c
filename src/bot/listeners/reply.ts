// Shared by the mention and message listeners: put "Searching…" in the thread, answer, and
// replace the placeholder with the answer.
import type { webApi } from '@slack/bolt';
import { messageBlocks } from '../blocks/answer.js';
import type { BotContext } from '../context.js';
import { sessionIdFor } from '../handler.js';

export const SEARCHING = 'Searching the knowledge base…';

/** Removes `<@BOT>` (with or without a `|name` label) from a message text. */
export function stripMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.trim();
  return text.replace(new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, 'g'), ' ').replace(/\s+/g, ' ').trim();
}

export interface ThreadQuestion {
  text: string;
  userId?: string;
  channel: string;
  threadTs: string;
  surface: 'mention' | 'message';
}

export async function answerInThread(ctx: BotContext, client: webApi.WebClient, q: ThreadQuestion): Promise<void> {
  ctx.metrics.question(q.surface);
  const sessionId = sessionIdFor(q.channel, q.threadTs)!;
  const searching = messageBlocks(`:hourglass_flowing_sand: ${SEARCHING}`, SEARCHING);
  const placeholder = await client.chat.postMessage({ channel: q.channel, thread_ts: q.threadTs, text: searching.text, blocks: searching.blocks });
  const result = await ctx.ask({ text: q.text, userId: q.userId, channel: q.channel, threadTs: q.threadTs, sessionId });
  if (result.answer) ctx.answeredThreads.add(sessionId);
  if (placeholder.ts) {
    await client.chat.update({ channel: placeholder.channel ?? q.channel, ts: placeholder.ts, text: result.text, blocks: result.blocks });
  } else {
    await client.chat.postMessage({ channel: q.channel, thread_ts: q.threadTs, text: result.text, blocks: result.blocks });
  }
}
