// /trajanus <question>: ack at once, then answer. Default: the question is posted in the channel
// and the answer goes in its thread (so follow-ups work); SLACK_ANSWER_VISIBILITY=ephemeral shows
// the answer to the asker only. Usage and "too long" are ephemeral, in the ack itself.
import type { App, webApi } from '@slack/bolt';
import { escapeMrkdwn } from '../../blocks/escape.js';
import type { BotContext } from '../../context.js';
import { isHelp, MAX_QUESTION_CHARS, sessionIdFor } from '../../handler.js';

export const COMMAND = '/trajanus';

/** Errors meaning "the bot cannot post in this conversation" (not a member, a DM between others…). */
const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'missing_scope']);
const errorCode = (e: unknown) => (e as { data?: { error?: string } })?.data?.error ?? '';

export function registerTrajanusCommand(app: App, ctx: BotContext): void {
  app.command(COMMAND, async ({ command, ack, client, respond }) => {
    const text = command.text ?? '';
    if (isHelp(text) || text.trim().length > MAX_QUESTION_CHARS) {
      const r = await ctx.handler.handle({ text, userId: command.user_id, channel: command.channel_id });
      await ack({ response_type: 'ephemeral', text: r.text, blocks: r.blocks });
      return;
    }
    const ephemeral = ctx.config.SLACK_ANSWER_VISIBILITY === 'ephemeral';
    await ack(ephemeral ? { response_type: 'ephemeral', text: 'Searching the knowledge base…' } : undefined);
    ctx.metrics.question('command');
    await ctx.inflight.track(
      (ephemeral ? answerEphemeral : answerInChannel)(ctx, client, respond, command).catch((err) =>
        ctx.logger.error({ err, channel: command.channel_id, user: command.user_id }, '/trajanus: could not deliver the answer'),
      ),
    );
  });
}

interface CommandInfo {
  text: string;
  user_id: string;
  channel_id: string;
}
type Respond = (msg: { response_type?: 'ephemeral' | 'in_channel'; text: string; blocks?: unknown[]; replace_original?: boolean }) => Promise<unknown>;

async function answerInChannel(ctx: BotContext, client: webApi.WebClient, respond: Respond, command: CommandInfo): Promise<void> {
  const question = command.text.trim();
  let posted: { ts?: string; channel?: string };
  try {
    posted = await client.chat.postMessage({
      channel: command.channel_id,
      text: `<@${command.user_id}> asked: ${escapeMrkdwn(question)}`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:question: <@${command.user_id}> asked:\n>${escapeMrkdwn(question).replace(/\n/g, '\n>')}` } }],
      unfurl_links: false,
    });
  } catch (e) {
    if (!CANNOT_POST.has(errorCode(e))) throw e;
    // The bot is not in this conversation: answer the asker privately through the response_url.
    const r = await ctx.ask({ text: question, userId: command.user_id, channel: command.channel_id, visibleTo: 'asker' });
    await respond({ response_type: 'ephemeral', text: r.text, blocks: r.blocks });
    return;
  }
  const channel = posted.channel ?? command.channel_id;
  const threadTs = posted.ts!;
  const r = await ctx.ask({ text: question, userId: command.user_id, channel, threadTs, sessionId: sessionIdFor(channel, threadTs) });
  if (r.answer) ctx.answeredThreads.add(sessionIdFor(channel, threadTs)!);
  await client.chat.postMessage({ channel, thread_ts: threadTs, text: r.text, blocks: r.blocks, unfurl_links: false });
}

async function answerEphemeral(ctx: BotContext, client: webApi.WebClient, respond: Respond, command: CommandInfo): Promise<void> {
  const r = await ctx.ask({ text: command.text, userId: command.user_id, channel: command.channel_id, visibleTo: 'asker' });
  try {
    await client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, text: r.text, blocks: r.blocks });
  } catch (e) {
    if (!CANNOT_POST.has(errorCode(e))) throw e;
    await respond({ response_type: 'ephemeral', text: r.text, blocks: r.blocks });
  }
}
