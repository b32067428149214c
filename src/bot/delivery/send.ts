// One Web API post with the fallbacks that need no other channel: a message Slack refuses for
// its format (`invalid_blocks`, too long) is sent again as plain text; a transient failure (5xx,
// timeout, network) is tried again after a short backoff. The WebClient already waits out a 429's
// Retry-After itself (within its retry budget).
import { blocksToMrkdwn } from '../blocks/text.js';
import type { Block } from '../blocks/types.js';
import { slackProblem } from './slack-errors.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface OutgoingMessage {
  /** Notification / fallback text (mrkdwn, escaped). */
  text: string;
  blocks?: Block[];
}

/** Slack truncates `text` beyond 40,000 characters; stay well below. */
const MAX_TEXT = 39_000;

export interface SendOptions {
  /** Extra attempts after a transient failure (default 1). */
  retries?: number;
  /** Backoff before the first retry, doubled each time (default 250 ms). */
  backoffMs?: number;
}

/** The blocks' text as one mrkdwn message (links and escaping kept), for when blocks are refused. */
export function asPlainMessage(msg: OutgoingMessage): OutgoingMessage {
  const body = msg.blocks?.length ? blocksToMrkdwn(msg.blocks) : msg.text;
  const text = body.length > MAX_TEXT ? `${body.slice(0, MAX_TEXT)}\n_…(shortened to fit Slack)_` : body;
  return { text: text || msg.text };
}

export async function sendMessage<T>(op: (m: OutgoingMessage) => Promise<T>, msg: OutgoingMessage, opts: SendOptions = {}): Promise<T> {
  let current = msg;
  let retriesLeft = opts.retries ?? 1;
  let backoff = opts.backoffMs ?? 250;
  let plainTried = false;
  for (;;) {
    try {
      return await op(current);
    } catch (err) {
      const p = slackProblem(err);
      if (p.format && !plainTried) {
        plainTried = true;
        current = asPlainMessage(current);
        continue;
      }
      if (p.transient && retriesLeft > 0) {
        retriesLeft--;
        await sleep(backoff);
        backoff *= 2;
        continue;
      }
      throw err;
    }
  }
}
