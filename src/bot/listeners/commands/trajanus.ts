// /trajanus <question>: ack at once, then answer. Default: the question is posted in the channel
// and the answer goes in its thread (so follow-ups work); SLACK_ANSWER_VISIBILITY=ephemeral shows
// the answer to the asker only. Usage and "too long" are ephemeral, in the ack itself. Nothing
// but the ack runs before ack(): limits, logging and answering come after. Every failure to post
// ends with the asker told privately (delivery/deliver.ts).
import type { App, webApi } from '@slack/bolt';
import { messageBlocks } from '../../blocks/answer.js';
import { escapeMrkdwn } from '../../blocks/escape.js';
import { slackInputToPlain } from '../../blocks/text.js';
import type { BotContext } from '../../context.js';
import { deliver, type Respond } from '../../delivery/deliver.js';
import { explainProblem, slackProblem } from '../../delivery/slack-errors.js';
import { isHelp, MAX_QUESTION_CHARS, sessionIdFor } from '../../handler.js';
import { limitMessage } from '../../limits/rate-limit.js';
import { liveAnswer, progressTo, remember } from '../reply.js';
import { parseSetting, runSetting, type Setting, type SettingReply } from './settings.js';

export const COMMAND = '/trajanus';

interface CommandInfo {
  text: string;
  user_id: string;
  channel_id: string;
  team_id?: string;
}

export function registerTrajanusCommand(app: App, ctx: BotContext): void {
  app.command(COMMAND, async ({ command, ack, client, respond }) => {
    const text = slackInputToPlain(command.text ?? '');
    const setting = parseSetting(text);
    if (setting) {
      await ack();
      const info: CommandInfo = { text, user_id: command.user_id, channel_id: command.channel_id, team_id: command.team_id };
      await ctx.inflight.later(() =>
        changeSetting(ctx, client, respond as Respond, info, setting).catch((err) =>
          ctx.logger.error({ err, channel: command.channel_id, user: command.user_id }, '/trajanus: could not change the channel setting'),
        ),
      );
      return;
    }
    if (isHelp(text) || text.trim().length > MAX_QUESTION_CHARS) {
      const r = await ctx.handler.handle({ text, userId: command.user_id, channel: command.channel_id });
      await ack({ response_type: 'ephemeral', text: r.text, blocks: r.blocks });
      return;
    }
    const ephemeral = ctx.config.SLACK_ANSWER_VISIBILITY === 'ephemeral';
    await ack(ephemeral ? { response_type: 'ephemeral', text: 'Searching the knowledge base…' } : undefined);
    const info: CommandInfo = { text, user_id: command.user_id, channel_id: command.channel_id, team_id: command.team_id };
    await ctx.inflight.later(() =>
      answerCommand(ctx, client, respond as Respond, info, ephemeral).catch((err) =>
        ctx.logger.error({ err, channel: command.channel_id, user: command.user_id }, '/trajanus: could not deliver the answer'),
      ),
    );
  });
}

/** `/trajanus access …` / `scope …`; a `scope <words>` that names nothing and reads like a question is answered as one. */
async function changeSetting(ctx: BotContext, client: webApi.WebClient, respond: Respond, command: CommandInfo, setting: Setting) {
  let reply: SettingReply | undefined;
  try {
    reply = await runSetting({ ...ctx, admins: ctx.config.SLACK_ADMIN_USER_IDS }, setting, {
      userId: command.user_id,
      channel: command.channel_id,
    });
  } catch (err) {
    ctx.logger.error({ err, channel: command.channel_id }, '/trajanus: a channel setting failed');
    reply = { text: ':warning: Sorry, I could not change that setting just now; please try again in a minute.' };
  }
  if (!reply) return answerCommand(ctx, client, respond, command, ctx.config.SLACK_ANSWER_VISIBILITY === 'ephemeral');
  await respond({ response_type: reply.inChannel ? 'in_channel' : 'ephemeral', replace_original: false, text: reply.text });
}

async function answerCommand(
  ctx: BotContext,
  client: webApi.WebClient,
  respond: Respond,
  command: CommandInfo,
  ephemeral: boolean,
): Promise<void> {
  ctx.metrics.question('command');
  const question = command.text.trim();
  const verdict = ctx.limits.check(command.user_id, command.team_id);
  if (!verdict.ok) {
    await deliver(
      client,
      { channel: command.channel_id, userId: command.user_id, respond, ephemeral: true },
      messageBlocks(limitMessage(verdict)),
      { logger: ctx.logger, what: 'rate limit' },
    );
    return;
  }
  if (ctx.inflight.ahead > 0) {
    // Answers are waiting their turn: say so, privately, rather than leave the asker wondering.
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `:hourglass_flowing_sand: ${ctx.status.waiting(ctx.inflight.ahead)}`,
    }).catch(() => undefined);
  }
  if (ephemeral) {
    const r = await ctx.ask({ text: question, userId: command.user_id, channel: command.channel_id, visibleTo: 'asker' });
    await deliver(client, { channel: command.channel_id, userId: command.user_id, respond, ephemeral: true }, r, {
      logger: ctx.logger,
      what: '/trajanus',
    });
    return;
  }
  let posted: { ts?: string; channel?: string } | undefined;
  let postProblem: string | undefined;
  try {
    posted = await client.chat.postMessage({
      channel: command.channel_id,
      text: `<@${command.user_id}> asked: ${escapeMrkdwn(question)}`,
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `:question: <@${command.user_id}> asked:\n>${escapeMrkdwn(question).replace(/\n/g, '\n>')}` },
        },
      ],
      unfurl_links: false,
    });
  } catch (e) {
    postProblem = explainProblem(slackProblem(e));
    ctx.logger.warn({ err: e, channel: command.channel_id }, '/trajanus: could not post the question in the channel; answering privately');
  }
  if (!posted?.ts) {
    // Not in the conversation, rate-limited, Slack down…: the asker gets the answer privately, with why.
    // Only the asker will read it: the asker's own documents.
    const r = await ctx.ask({ text: question, userId: command.user_id, channel: command.channel_id, visibleTo: 'asker' });
    await deliver(
      client,
      {
        channel: command.channel_id,
        userId: command.user_id,
        respond,
        ephemeral: true,
        problem: postProblem ?? 'I could not post in this conversation',
      },
      r,
      { logger: ctx.logger, what: '/trajanus' },
    );
    return;
  }
  const channel = posted.channel ?? command.channel_id;
  const threadTs = posted.ts;
  const sessionId = sessionIdFor(channel, threadTs)!;
  // The thread under the posted question shows a model's draft as it is written (no placeholder: the question is the status).
  const live = liveAnswer(ctx, client, { channel, threadTs, userId: command.user_id, teamId: command.team_id });
  const r = await ctx.ask({ text: question, userId: command.user_id, channel, threadTs, sessionId, progress: progressTo(ctx, live) });
  if (r.answer) ctx.answeredThreads.add(sessionId);
  const delivered = await live.settle({ channel, threadTs, userId: command.user_id, respond }, r, {
    logger: ctx.logger,
    what: '/trajanus',
  });
  await remember(ctx, r, { channel, questionTs: threadTs, answerTs: delivered.ts, threadTs, userId: command.user_id });
}
