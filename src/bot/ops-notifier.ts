/**
 * Job failures and health reports to the ops channel (SLACK_OPS_CHANNEL) through the Slack Web API.
 * Its own WebClient rather than the Bolt app's: jobs also run from the CLI (`trajanus jobs run`),
 * where no Bolt app exists.
 */
import { WebClient } from '@slack/web-api';
import type { Logger } from '../core/log.js';
import { LogNotifier, type Notifier, type NotifierMessage } from '../jobs/notify.js';

export interface SlackOpsNotifierOptions {
  token: string;
  channel: string;
  /** Base URL of the Web API, ending in /api/ (tests point it at a local server). */
  slackApiUrl?: string;
  /** Retries of the Web API client; an alert should not hold a job's lock for minutes. */
  retries?: number;
}

export class SlackOpsNotifier implements Notifier {
  private readonly client: WebClient;

  constructor(private readonly opts: SlackOpsNotifierOptions) {
    this.client = new WebClient(opts.token, {
      ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
      retryConfig: { retries: opts.retries ?? 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    });
  }

  async post(message: NotifierMessage): Promise<void> {
    await this.client.chat.postMessage({
      channel: this.opts.channel,
      text: message.text,
      // Job names and error texts are ours, but an error can quote a document title: no link unfurls.
      unfurl_links: false,
      unfurl_media: false,
      ...(message.blocks?.length ? { blocks: message.blocks as never } : {}),
    });
  }
}

/**
 * Slack when both the bot token and SLACK_OPS_CHANNEL are set, else the log: jobs run the same
 * either way, and a missing channel is said once at start rather than on every failure.
 */
export function opsNotifierFromConfig(
  config: { SLACK_BOT_TOKEN?: string; SLACK_OPS_CHANNEL?: string; SLACK_API_URL?: string },
  logger: Logger,
): Notifier {
  if (config.SLACK_BOT_TOKEN && config.SLACK_OPS_CHANNEL)
    return new SlackOpsNotifier({
      token: config.SLACK_BOT_TOKEN,
      channel: config.SLACK_OPS_CHANNEL,
      slackApiUrl: slackApiBase(config.SLACK_API_URL),
    });
  logger.info(
    config.SLACK_BOT_TOKEN
      ? 'SLACK_OPS_CHANNEL is not set: job alerts and health reports go to the log'
      : 'no Slack: job alerts and health reports go to the log',
  );
  return new LogNotifier(logger);
}

/** WebClient joins method names onto the base URL, so it must end in a slash. */
function slackApiBase(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return url.endsWith('/') ? url : `${url}/`;
}
