// Slack's AI assistant container (side panel), on Bolt's Assistant class. Thread context changes
// are stored by Bolt's default store. Bolt hands the Assistant every DM message in a thread; a
// reply under an ordinary DM answer is not the panel's, so those go on to the `message` listener.
import { Assistant, type Middleware, type AnyMiddlewareArgs } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { isAssistantThread } from '../../lifecycle/assistant-threads.js';
import { threadStarted } from './thread-started.js';
import { userMessage } from './user-message.js';

export function createAssistant(ctx: BotContext): Assistant {
  return new Assistant({ threadStarted: threadStarted(ctx), userMessage: userMessage(ctx) });
}

export function assistantRouter(assistant: Assistant, ctx: BotContext): Middleware<AnyMiddlewareArgs> {
  const inner = assistant.getMiddleware();
  return async (args) => {
    const ev = (args as { event?: { type?: string; channel_type?: string; channel?: string; thread_ts?: string; subtype?: string } }).event;
    if (
      ev?.type === 'message' &&
      ev.channel_type === 'im' &&
      ev.thread_ts &&
      ev.channel &&
      (ev.subtype === undefined || ev.subtype === 'file_share')
    ) {
      const mine = await isAssistantThread(ctx.db, ev.channel, ev.thread_ts).catch(() => true);
      if (!mine) return args.next();
    }
    return inner(args);
  };
}
