// The assistant side panel was opened: remember the thread as the panel's, greet, and offer a
// few questions to start with.
import type { AssistantThreadStartedMiddleware } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import { claimEvent, eventKey } from '../../dedupe.js';
import { rememberAssistantThread } from '../../lifecycle/assistant-threads.js';

export const GREETING =
  "Hi! I answer questions from the project's documents and cite where each answer comes from. What would you like to know?";

export const SUGGESTED_PROMPTS = [
  { title: 'Hot work permits', message: 'How long is a hot work permit valid, and who signs it?' },
  { title: 'Open RFIs', message: 'Which RFIs are still open, and what are they about?' },
  { title: 'Latest OAC meeting', message: 'What was decided in the latest OAC meeting?' },
  { title: 'Closeout', message: 'What does the closeout checklist require before substantial completion?' },
];

export function threadStarted(ctx: BotContext): AssistantThreadStartedMiddleware {
  return async ({ body, event, say, setSuggestedPrompts }) => {
    const id = (body as { event_id?: string }).event_id;
    if (id && !(await claimEvent(ctx.db, eventKey(id)))) return;
    const t = event.assistant_thread;
    try {
      await rememberAssistantThread(ctx.db, t.channel_id, t.thread_ts);
    } catch (err) {
      ctx.logger.warn({ err, channel: t.channel_id }, 'assistant_thread_started: could not record the thread');
    }
    try {
      await say(GREETING);
      await setSuggestedPrompts({ title: 'Try asking', prompts: SUGGESTED_PROMPTS });
    } catch (err) {
      ctx.logger.error({ err }, 'assistant_thread_started: could not greet');
    }
  };
}
