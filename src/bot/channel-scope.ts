// The channel scope a question is searched under: none in a DM or the assistant pane (the asker's
// own space), else the channel's (set with `/trajanus scope`, or its name's folder or category).
import { channelScope, UNSCOPED, type SearchScope } from '../core/scope/channel-scope.js';
import type { Queryable } from '../core/db/types.js';
import type { SlackAccess } from './access.js';

export async function searchScopeFor(db: Queryable, access: SlackAccess, channel: string | undefined): Promise<SearchScope> {
  if (!channel) return UNSCOPED;
  const facts = await access.channelFacts(channel);
  if (facts?.kind === 'im') return UNSCOPED;
  return channelScope(db, channel, facts?.name);
}
