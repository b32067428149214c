// Slack's AI assistant container (side panel), on Bolt's Assistant class. Thread context changes
// are stored by Bolt's default store.
import { Assistant } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { threadStarted } from './thread-started.js';
import { userMessage } from './user-message.js';

export function createAssistant(ctx: BotContext): Assistant {
  return new Assistant({ threadStarted: threadStarted(ctx), userMessage: userMessage(ctx) });
}
