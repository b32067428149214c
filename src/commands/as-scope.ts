// `--as <email> [--channel <id>]` for ask, search and access: the scope that person would have in a
// direct message, or in that channel (its audience and grants, and the channel's search scope).
// Without --as the CLI is an operator tool and says so by using the operator scope.
// The channel's audience comes from Slack when SLACK_BOT_TOKEN is set, else from what the bot last
// read of it (access_channels, written whenever it answers there).
import type { Config } from '../config.js';
import { audienceScope, memberScope, type AccessPolicy, type Conversation, type Identity } from '../core/access/audience.js';
import { groupsOf } from '../core/access/groups.js';
import { normalizeEmail, OPERATOR_SCOPE, type AccessScope } from '../core/access/scope.js';
import type { Queryable } from '../core/db/types.js';
import { channelScope, UNSCOPED, type SearchScope } from '../core/scope/channel-scope.js';
import { UsageError } from './types.js';

type ScopeConfig = Pick<Config, 'WORKSPACE_DOMAINS' | 'SLACK_BOT_TOKEN' | 'SLACK_API_URL' | 'ACCESS_PRIVATE_CHANNEL_MAX_MEMBERS'>;

export const AS_HELP = `  --as email    answer exactly as that person would be answered in a direct message
                (default: every document — the operator's view)
  --channel id  with --as: as in that Slack channel (its audience, its grants, its scope). The
                audience is read from Slack when SLACK_BOT_TOKEN is set, otherwise from what the
                bot last saw there (cached in the database when it answers in the channel)`;

export class ScopeUsageError extends UsageError {}

export async function cliScope(db: Queryable, config: Pick<Config, 'WORKSPACE_DOMAINS'>, as: string | undefined): Promise<AccessScope> {
  if (as === undefined) return OPERATOR_SCOPE;
  const email = parseEmail(as);
  const groups = (await groupsOf(db, [email])).get(email) ?? [];
  return memberScope(email, groups, { workspaceDomains: config.WORKSPACE_DOMAINS });
}

function parseEmail(as: string): string {
  const email = normalizeEmail(as);
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new ScopeUsageError(`--as expects an email address, not "${as}"`);
  return email;
}

export interface CliAudience {
  access: AccessScope;
  scope: SearchScope;
  /** Where the channel's audience came from, said in the output. */
  channelFrom?: 'slack' | 'database cache';
}

/** The access and search scope of `--as` (and `--channel`); throws ScopeUsageError for bad usage or an unknown channel. */
export async function cliAudience(
  db: Queryable,
  config: ScopeConfig,
  as: string | undefined,
  channel: string | undefined,
): Promise<CliAudience> {
  if (channel === undefined) return { access: await cliScope(db, config, as), scope: UNSCOPED };
  if (as === undefined) throw new ScopeUsageError('--channel needs --as <email>: whose question to answer in that channel');
  const email = parseEmail(as);
  const policy: AccessPolicy = { workspaceDomains: config.WORKSPACE_DOMAINS };
  const asker: Identity = { kind: 'member', email, groups: (await groupsOf(db, [email])).get(email) ?? [] };
  if (config.SLACK_BOT_TOKEN) {
    // Only this path loads the Slack client.
    const [{ WebClient }, { SlackAccess }, { slackApiUrl }] = await Promise.all([
      import('@slack/web-api'),
      import('../bot/access.js'),
      import('../bot/app.js'),
    ]);
    const client = new WebClient(config.SLACK_BOT_TOKEN, { slackApiUrl: slackApiUrl(config.SLACK_API_URL), retryConfig: { retries: 1 } });
    const slack = new SlackAccess(client as never, db, { policy, ttlMs: 60_000, maxMembers: config.ACCESS_PRIVATE_CHANNEL_MAX_MEMBERS });
    const facts = await slack.channelFacts(channel);
    if (!facts)
      throw new ScopeUsageError(
        `Slack does not show the channel ${channel} to the bot (conversations.info failed): invite the bot, or check the id`,
      );
    const access = await slack.scopeOf(asker, channel);
    await slack.flush();
    return { access, scope: facts.kind === 'im' ? UNSCOPED : await channelScope(db, channel, facts.name), channelFrom: 'slack' };
  }
  const r = await db.query<{
    kind: 'im' | 'public' | 'private' | 'shared';
    name: string | null;
    members: { kind: Identity['kind']; email?: string }[] | null;
  }>('SELECT kind, name, members FROM access_channels WHERE channel_id = $1', [channel]);
  const row = r.rows[0];
  if (!row)
    throw new ScopeUsageError(
      `the channel ${channel} is not known here: set SLACK_BOT_TOKEN to read it from Slack, or ask the bot a question in it once (its audience is then cached)`,
    );
  const name = row.name ?? undefined;
  let where: Conversation;
  if (row.kind === 'im') where = { kind: 'private-to-asker' };
  else if (row.kind === 'private') {
    const people = row.members ?? undefined;
    const emails = (people ?? []).flatMap((m) => (m.email ? [m.email] : []));
    const groups = await groupsOf(db, emails);
    const members = people?.map(
      (m): Identity => (m.email ? { kind: m.kind, email: m.email, groups: groups.get(m.email) ?? [] } : { kind: m.kind }),
    );
    where = { kind: 'private', id: channel, name, members };
  } else where = { kind: row.kind, id: channel, name };
  return {
    access: audienceScope(asker, where, policy),
    scope: row.kind === 'im' ? UNSCOPED : await channelScope(db, channel, name),
    channelFrom: 'database cache',
  };
}

/** Who the answer was computed for, in words: "ann@acme.com (DM)", "#general (public), audience from Slack", "everything (operator)". */
export function audienceLabel(who: CliAudience): string {
  if (who.access.kind === 'operator') return 'the operator (every document)';
  return `${who.access.label}${who.channelFrom ? `, audience from ${who.channelFrom}` : ''}`;
}
