// The bot token is checked (auth.test) before the app starts, so "slack app started" is only
// logged once Slack has accepted it. A Slack that cannot be reached yet (5xx, network, timeout,
// 429) is tried again with exponential backoff; a refused token stops at once with one line that
// names SLACK_BOT_TOKEN. Bolt is then given the bot's ids, so it makes no auth.test call of its
// own whose failure nobody would catch.
import { WebClient } from '@slack/web-api';
import type { Logger } from '../core/log.js';
import { AUTH_ERRORS, explainProblem, slackProblem } from './delivery/slack-errors.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BotIdentity {
  botUserId: string;
  botId: string;
  teamId?: string;
}

/** Start-up cannot continue: the message is the one line the operator needs. */
export class SlackStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlackStartError';
  }
}

export interface VerifyTokenOptions {
  token: string;
  /** WebClient base URL (…/api/). */
  slackApiUrl?: string;
  attempts: number;
  timeoutMs: number;
  /** First backoff; doubled each attempt, at most 30 s. */
  backoffMs?: number;
  logger: Logger;
}

export async function verifyBotToken(opts: VerifyTokenOptions): Promise<BotIdentity> {
  const client = new WebClient(opts.token, {
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs,
  });
  let backoff = opts.backoffMs ?? 1000;
  let last = '';
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    try {
      const r = await client.auth.test();
      if (!r.user_id || !r.bot_id)
        throw new SlackStartError(
          'SLACK_BOT_TOKEN is not a bot token (auth.test returned no bot id): use the Bot User OAuth Token (xoxb-…)',
        );
      return { botUserId: r.user_id, botId: r.bot_id, teamId: r.team_id };
    } catch (err) {
      if (err instanceof SlackStartError) throw err;
      const p = slackProblem(err);
      if (AUTH_ERRORS.has(p.code))
        throw new SlackStartError(
          `Slack refused SLACK_BOT_TOKEN (${p.code}): set it to the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page, and reinstall the app if it was revoked`,
        );
      if (!p.transient) throw new SlackStartError(`Slack's auth.test failed (${p.code}) for SLACK_BOT_TOKEN: ${explainProblem(p)}`);
      last = `${explainProblem(p)} [${p.code}]`;
      if (attempt < opts.attempts) {
        opts.logger.warn({ attempt, of: opts.attempts, code: p.code, retryInMs: backoff }, 'Slack is not reachable yet; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }
  const where = opts.slackApiUrl ?? 'https://slack.com/api/';
  throw new SlackStartError(
    `Could not reach Slack's Web API at ${where} after ${opts.attempts} attempt(s): ${last}. Check the network or proxy (or SLACK_API_URL), then start again`,
  );
}
