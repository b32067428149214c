// Someone joined or left a channel: its audience changed, so the cached member list is dropped
// and the next answer there is computed for the new members.
import type { App } from '@slack/bolt';
import type { BotContext } from '../../context.js';

export function registerMembership(app: App, ctx: BotContext): void {
  for (const name of ['member_joined_channel', 'member_left_channel'] as const)
    app.event(name, async ({ event }) => {
      ctx.access.forgetMembers(event.channel);
    });
}
