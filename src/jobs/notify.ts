/**
 * Where jobs report: failures at once, the health report daily. A seam so the scheduler does not
 * know about Slack (bot/ops-notifier.ts implements it) and runs without Slack too (LogNotifier).
 */
import type { Logger } from '../core/log.js';

export interface NotifierMessage {
  /** Plain text: the notification / fallback text, and all a log line gets. */
  text: string;
  /** Block Kit blocks, for notifiers that can render them. */
  blocks?: unknown[];
}

export interface Notifier {
  post(message: NotifierMessage): Promise<void>;
}

/** Used when SLACK_OPS_CHANNEL (or the bot token) is not set: the message goes to the log only. */
export class LogNotifier implements Notifier {
  constructor(private readonly logger: Pick<Logger, 'warn'>) {}

  async post(message: NotifierMessage): Promise<void> {
    // warn, not info: these are things an operator should read, and LOG_LEVEL=warn keeps them.
    this.logger.warn({ notify: true }, message.text);
  }
}
