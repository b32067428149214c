// Getting an answer (or an error message) to the person who asked, whatever Slack does. Each
// step is tried only when the one before failed:
//   1. a new message in the thread (so the answer itself notifies), then the "Searching…"
//      placeholder is removed;
//   2. the placeholder replaced in place by the answer;
//   3. privately to the asker — response_url (slash commands), then chat.postEphemeral — with
//      the answer and a line saying what went wrong and that they can ask again;
//   4. only when all of these fail, an error in the log (the asker cannot be reached).
// Every step goes through sendMessage (plain text when blocks are refused, a retry on 5xx).
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/log.js';
import { escapeMrkdwn } from '../blocks/escape.js';
import type { Block } from '../blocks/types.js';
import { explainProblem, slackProblem } from './slack-errors.js';
import { sendMessage, type OutgoingMessage, type SendOptions } from './send.js';

export type Respond = (msg: {
  response_type?: 'ephemeral' | 'in_channel';
  text: string;
  blocks?: unknown[];
  replace_original?: boolean;
}) => Promise<unknown>;

export interface DeliveryTarget {
  channel: string;
  /** The thread to answer in; none for a top-level post. */
  threadTs?: string;
  /** The asker, for the private fallback. */
  userId?: string;
  /** A "Searching…" message to replace or remove. */
  placeholderTs?: string;
  /** The slash command's response_url. */
  respond?: Respond;
  /** Only the asker sees the answer (SLACK_ANSWER_VISIBILITY=ephemeral, or posting already failed). */
  ephemeral?: boolean;
  /** Why posting already failed before delivery began (shown to the asker). */
  problem?: string;
}

export type DeliveryRoute = 'message' | 'update' | 'response_url' | 'ephemeral' | 'none';

export interface Delivered {
  route: DeliveryRoute;
  /** The ts of the answer message (routes message and update). */
  ts?: string;
  /** Codes of the failures on the way, oldest first. */
  problems: string[];
}

export interface DeliverOptions extends SendOptions {
  logger: Logger;
  /** Shown in logs. */
  what?: string;
}

/** The answer plus a note that it is shown privately because posting failed. */
export function privateCopy(msg: OutgoingMessage, why: string): OutgoingMessage {
  const note = `:warning: ${escapeMrkdwn(why)}, so only you can see this answer. You can ask again in a minute.`;
  const blocks: Block[] = [...(msg.blocks ?? []).slice(0, 49), { type: 'context', elements: [{ type: 'mrkdwn', text: note }] }];
  return { text: msg.text, blocks };
}

export async function deliver(
  client: webApi.WebClient,
  target: DeliveryTarget,
  msg: OutgoingMessage,
  opts: DeliverOptions,
): Promise<Delivered> {
  const problems: string[] = [];
  let firstProblem: ReturnType<typeof slackProblem> | undefined;
  const attempt = async <T>(step: string, op: (m: OutgoingMessage) => Promise<T>, m: OutgoingMessage): Promise<T | undefined> => {
    try {
      return await sendMessage(op, m, opts);
    } catch (err) {
      const p = slackProblem(err);
      firstProblem ??= p;
      problems.push(`${step}:${p.code}`);
      opts.logger.warn(
        { err, step, code: p.code, channel: target.channel, what: opts.what },
        'slack delivery step failed; trying the next',
      );
      return undefined;
    }
  };

  if (!target.ephemeral) {
    const posted = await attempt(
      'chat.postMessage',
      (m) =>
        client.chat.postMessage({
          channel: target.channel,
          thread_ts: target.threadTs,
          text: m.text,
          blocks: m.blocks,
          unfurl_links: false,
        }),
      msg,
    );
    if (posted) {
      if (target.placeholderTs) await removePlaceholder(client, target.channel, target.placeholderTs, opts.logger);
      return { route: 'message', ts: posted.ts, problems };
    }
    if (target.placeholderTs) {
      const updated = await attempt(
        'chat.update',
        (m) => client.chat.update({ channel: target.channel, ts: target.placeholderTs!, text: m.text, blocks: m.blocks ?? [] }),
        msg,
      );
      if (updated) return { route: 'update', ts: target.placeholderTs, problems };
    }
  }

  // Privately: as it is when that is the configured visibility and nothing failed yet, else with the reason.
  const why = () => target.problem ?? (firstProblem ? explainProblem(firstProblem) : undefined);
  const privately = () => {
    const w = why();
    return w ? privateCopy(msg, w) : msg;
  };
  const ephemeral = async () =>
    target.userId
      ? attempt(
          'chat.postEphemeral',
          (m) =>
            client.chat.postEphemeral({
              channel: target.channel,
              user: target.userId!,
              thread_ts: target.threadTs,
              text: m.text,
              blocks: m.blocks,
            }),
          privately(),
        )
      : undefined;
  const viaResponseUrl = async () =>
    target.respond
      ? attempt(
          'response_url',
          async (m) =>
            (await target.respond!({ response_type: 'ephemeral', replace_original: false, text: m.text, blocks: m.blocks })) ?? true,
          privately(),
        )
      : undefined;
  // A slash command's response_url works where the bot is not a member; chat.postEphemeral needs membership.
  const order: [DeliveryRoute, () => Promise<unknown>][] =
    target.ephemeral && !why()
      ? [
          ['ephemeral', ephemeral],
          ['response_url', viaResponseUrl],
        ]
      : [
          ['response_url', viaResponseUrl],
          ['ephemeral', ephemeral],
        ];
  for (const [route, step] of order) if ((await step()) !== undefined) return { route, problems };
  opts.logger.error(
    { channel: target.channel, user: target.userId, problems, what: opts.what },
    'could not deliver the answer by any route: the asker saw nothing',
  );
  return { route: 'none', problems };
}

/** The answer was posted below the placeholder: remove it, or at least stop it saying "Searching…". */
export async function removePlaceholder(client: webApi.WebClient, channel: string, ts: string, logger: Logger): Promise<void> {
  try {
    await client.chat.delete({ channel, ts });
  } catch (err) {
    try {
      await client.chat.update({
        channel,
        ts,
        text: 'Answered below.',
        blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: ':arrow_down: Answered below.' }] }],
      });
    } catch {
      logger.warn({ err, channel, ts }, 'could not remove the "Searching…" placeholder');
    }
  }
}
