// What the asker sees while an answer is worked on, and how it is settled. Status lines go to the
// assistant pane's status or the "Searching…" placeholder. A model's draft is shown as it is
// written: with Slack's streaming message API (chat.startStream / appendStream / stopStream) where
// the workspace has it, else by chat.update at most once per SLACK_STREAM_INTERVAL_MS. The draft is
// never the answer: the final, checked text (figures and citations) replaces it when it is settled,
// and a draft whose stream broke is removed once the answer (or a clear error) is delivered elsewhere.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/log.js';
import { markdownToMrkdwn, messageBlocks } from '../blocks/answer.js';
import { escapeMrkdwn } from '../blocks/escape.js';
import type { Block } from '../blocks/types.js';
import { deliver, removePlaceholder, type Delivered, type DeliveryTarget, type DeliverOptions } from '../delivery/deliver.js';
import { slackProblem } from '../delivery/slack-errors.js';
import { sendMessage, type OutgoingMessage } from '../delivery/send.js';

export interface LiveSettings {
  /** auto: Slack's streaming API, else chat.update; update: chat.update only; off: no drafts, one final message. */
  mode: 'auto' | 'update' | 'off';
  /** Least time between two draft updates of one message. */
  intervalMs: number;
}

/** Errors that say this workspace or token has no streaming API: asked once, then chat.update from then on. */
const NO_STREAMING = new Set([
  'unknown_method',
  'method_not_supported_for_channel_type',
  'not_allowed_token_type',
  'missing_scope',
  'feature_not_enabled',
  'not_supported',
  'team_not_eligible',
  'access_denied',
]);

/** Whether the workspace has the streaming API, learnt from the first refusal (one per process). */
export class StreamSupport {
  unavailable = false;
}

export const DRAFT_NOTE = 'Writing… sources are checked before the answer is final.';

/** Model text for a draft shown as Markdown: `<` `>` cannot open a mention or link (prefix-stable, so deltas stay deltas). */
export function draftMarkdown(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›');
}

/** The draft as an ordinary message (the chat.update route): mrkdwn plus a line saying it is not final. */
export function draftMessage(text: string): OutgoingMessage {
  const body = markdownToMrkdwn(text).slice(0, 2900);
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: body || '…' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `:writing_hand: ${escapeMrkdwn(DRAFT_NOTE)}` }] },
  ];
  return { text: DRAFT_NOTE, blocks };
}

export interface LiveTarget {
  channel: string;
  threadTs: string;
  userId?: string;
  teamId?: string;
}

type ChatStreamer = ReturnType<webApi.WebClient['chatStream']>;

export class LiveAnswer {
  /** The "Searching…" message, when one was posted. */
  placeholderTs?: string;
  private route: 'none' | 'stream' | 'update' = 'none';
  private streamer?: ChatStreamer;
  /** The ts of the message holding the draft (the streamed message, or the updated one). */
  private draftTs?: string;
  private sent = '';
  private latest = '';
  private lastFlush = 0;
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private broken = false;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly where: LiveTarget,
    private readonly opts: {
      settings: LiveSettings;
      support: StreamSupport;
      logger: Logger;
      /** The assistant pane's status (instead of a placeholder message). */
      setStatus?: (s: string) => Promise<unknown>;
    },
  ) {}

  /** Posts the "Searching…" placeholder (no assistant pane); a refusal only costs the courtesy. */
  async placeholder(status: string): Promise<void> {
    const m = messageBlocks(`:hourglass_flowing_sand: ${escapeMrkdwn(status)}`, status);
    try {
      const p = await this.client.chat.postMessage({
        channel: this.where.channel,
        thread_ts: this.where.threadTs,
        text: m.text,
        blocks: m.blocks,
      });
      this.placeholderTs = p.ts;
    } catch (err) {
      this.opts.logger.warn({ err, channel: this.where.channel }, 'could not post the "Searching…" placeholder; answering anyway');
    }
  }

  /** A new status line, shown in order; once a draft is showing, the draft says more than a status would. */
  status(text: string): void {
    if (this.closed || this.route !== 'none') return;
    this.enqueue(async () => {
      if (this.route !== 'none' || this.closed) return;
      if (this.opts.setStatus) await this.opts.setStatus(text);
      else if (this.placeholderTs) {
        const m = messageBlocks(`:hourglass_flowing_sand: ${escapeMrkdwn(text)}`, text);
        await this.client.chat.update({ channel: this.where.channel, ts: this.placeholderTs, text: m.text, blocks: m.blocks });
      }
    }, 'could not update the status');
  }

  /** The model's text so far: shown at a bounded rate, the newest text winning. */
  draft(text: string): void {
    if (this.closed || this.broken || this.opts.settings.mode === 'off') return;
    this.latest = text;
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + this.opts.settings.intervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue(() => this.flush(), 'could not show the draft');
    }, wait);
  }

  /**
   * Delivers the final message: in place of the streamed draft when Slack takes it, else by the
   * ordinary routes (delivery/deliver.ts), and then no draft or placeholder is left standing.
   */
  async settle(target: DeliveryTarget, msg: OutgoingMessage, opts: DeliverOptions): Promise<Delivered> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
    const { channel } = this.where;
    if (this.route === 'stream' && this.draftTs) {
      const ts = this.draftTs;
      // Even a stream whose append failed is stopped if Slack lets it be, so it can be settled in place.
      const stopped = await this.streamer!.stop().then(
        () => true,
        (err: unknown) => {
          opts.logger.warn({ err, channel }, 'chat.stopStream failed; delivering the answer anew');
          return false;
        },
      );
      if (stopped) {
        const updated = await sendMessage(
          (m) => this.client.chat.update({ channel, ts, text: m.text, blocks: m.blocks ?? [] }),
          msg,
          opts,
        ).then(
          () => true,
          (err: unknown) => {
            opts.logger.warn({ err, channel }, 'could not settle the streamed answer in place; delivering it anew');
            return false;
          },
        );
        if (updated) {
          if (this.placeholderTs) await removePlaceholder(this.client, channel, this.placeholderTs, opts.logger);
          return { route: 'update', ts, problems: [] };
        }
      }
      // The streamed draft must not stand as the answer: deliver anew, then take the draft away.
      const delivered = await deliver(this.client, { ...target, placeholderTs: this.placeholderTs }, msg, opts);
      await removePlaceholder(this.client, channel, ts, opts.logger);
      return delivered;
    }
    // The chat.update route's draft sits in the placeholder (or a message of its own): it is replaced like one.
    const shown = this.draftTs ?? this.placeholderTs;
    const delivered = await deliver(this.client, { ...target, placeholderTs: shown }, msg, opts);
    if (this.draftTs && this.placeholderTs && this.draftTs !== this.placeholderTs)
      await removePlaceholder(this.client, channel, this.placeholderTs, opts.logger);
    // Delivered privately: nothing in the thread may go on saying "Searching…" or showing half an answer.
    if (shown && (delivered.route === 'response_url' || delivered.route === 'ephemeral' || delivered.route === 'none'))
      await removePlaceholder(this.client, channel, shown, opts.logger);
    return delivered;
  }

  private enqueue(op: () => Promise<unknown>, what: string): void {
    this.chain = this.chain.then(op).catch((err: unknown) => this.opts.logger.warn({ err, channel: this.where.channel }, what));
  }

  private async flush(): Promise<void> {
    if (this.closed || this.broken) return;
    this.lastFlush = performance.now();
    const text = this.latest;
    if (this.route === 'none') this.route = this.opts.settings.mode === 'auto' && !this.opts.support.unavailable ? 'stream' : 'update';
    if (this.route === 'stream') {
      const md = draftMarkdown(text);
      const delta = md.slice(this.sent.length);
      if (!delta) return;
      this.streamer ??= this.client.chatStream({
        channel: this.where.channel,
        thread_ts: this.where.threadTs,
        ...(this.where.userId ? { recipient_user_id: this.where.userId } : {}),
        ...(this.where.teamId ? { recipient_team_id: this.where.teamId } : {}),
        // Our own pacing decides when to send: the helper sends each append at once.
        buffer_size: 1,
      });
      try {
        await this.streamer.append({ markdown_text: delta });
        this.sent = md;
        this.draftTs ??= this.streamer.ts;
      } catch (err) {
        const p = slackProblem(err);
        if (!this.streamer.ts) {
          // Never started: this workspace may have no streaming API; show drafts by chat.update instead.
          if (NO_STREAMING.has(p.code)) {
            this.opts.support.unavailable = true;
            this.opts.logger.info({ code: p.code }, 'Slack streaming API not available here; drafts use chat.update');
          }
          this.streamer = undefined;
          this.route = 'update';
          return this.flush();
        }
        this.draftTs ??= this.streamer.ts;
        this.broken = true;
        throw err;
      }
      return;
    }
    const m = draftMessage(text);
    const ts = this.draftTs ?? this.placeholderTs;
    try {
      if (ts) {
        await this.client.chat.update({ channel: this.where.channel, ts, text: m.text, blocks: m.blocks ?? [] });
        this.draftTs = ts;
      } else {
        const p = await this.client.chat.postMessage({
          channel: this.where.channel,
          thread_ts: this.where.threadTs,
          text: m.text,
          blocks: m.blocks,
        });
        this.draftTs = p.ts;
      }
    } catch (err) {
      // Drafts are a courtesy: after a refusal, the final message alone is delivered.
      this.broken = true;
      throw err;
    }
  }
}
