// `/trajanus access grant|revoke|list …` (admins: SLACK_ADMIN_USER_IDS) and `/trajanus scope [… | clear]`
// (any member): a channel's settings, parsed here and carried out by core (access/grants.ts,
// scope/channel-scope.ts). Anything that does not parse as a setting is a question.
import { grantAccess, listGrants, revokeAccess } from '../../../core/access/grants.js';
import { folderIdFromLink, resolveTarget, TargetError, type Target } from '../../../core/access/targets.js';
import { channelScope, clearChannelScope, setChannelScope } from '../../../core/scope/channel-scope.js';
import { escapeMrkdwn } from '../../blocks/escape.js';
import type { BotContext } from '../../context.js';

export type Setting =
  | { kind: 'access'; action: 'grant'; target: string }
  | { kind: 'access'; action: 'revoke'; target: string }
  | { kind: 'access'; action: 'list' }
  | { kind: 'scope'; action: 'show' }
  | { kind: 'scope'; action: 'clear' }
  | { kind: 'scope'; action: 'set'; target: string };

/** `access grant <x>`, `access revoke <x>`, `access list`, `scope`, `scope clear`, `scope <x>`; anything else is a question. */
export function parseSetting(text: string): Setting | undefined {
  const t = text.trim();
  const access = /^access\s+(grant|revoke|list)\b\s*([\s\S]*)$/i.exec(t);
  if (access) {
    const action = access[1].toLowerCase();
    if (action === 'list') return { kind: 'access', action };
    return { kind: 'access', action: action === 'grant' ? 'grant' : 'revoke', target: access[2].trim() };
  }
  const scope = /^scope\b\s*([\s\S]*)$/i.exec(t);
  if (!scope) return undefined;
  const rest = scope[1].trim();
  if (!rest) return { kind: 'scope', action: 'show' };
  if (/^(clear|reset|none|all)$/i.test(rest)) return { kind: 'scope', action: 'clear' };
  return { kind: 'scope', action: 'set', target: rest };
}

/** "scope of work for the electrical sub?" is a question, not a scope that failed to resolve. */
function readsLikeQuestion(s: string): boolean {
  return /\?\s*$/.test(s) || s.split(/\s+/).length >= 4;
}

export interface SettingReply {
  text: string;
  /** Posted for the channel to see (a scope change); otherwise shown to the asker only. */
  inChannel?: boolean;
}

const describe = (t: Pick<Target, 'kind' | 'label'>) => `${t.kind === 'folder' ? 'the folder' : 'the category'} *${escapeMrkdwn(t.label)}*`;

/**
 * Carries out a setting. Returns undefined when `scope <words>` names nothing and reads like a
 * question: the caller then answers it as one.
 */
export async function runSetting(
  ctx: Pick<BotContext, 'db' | 'access' | 'logger'> & { admins: string[] },
  s: Setting,
  who: { userId: string; channel: string },
): Promise<SettingReply | undefined> {
  const facts = await ctx.access.channelFacts(who.channel);
  const inDm = facts?.kind === 'im' || who.channel.startsWith('D');
  if (s.kind === 'access') {
    if (!ctx.admins.includes(who.userId))
      return {
        text: `:no_entry: Only Trajanus admins can ${s.action} channel access. ${
          ctx.admins.length
            ? `Ask ${ctx.admins.map((id) => `<@${id}>`).join(', ')}.`
            : 'No admin is configured: whoever runs Trajanus sets SLACK_ADMIN_USER_IDS.'
        }`,
      };
    if (inDm) return { text: ':warning: Run `/trajanus access …` in the channel whose access you want to change.' };
    if (s.action === 'list') {
      const grants = await listGrants(ctx.db, who.channel);
      if (!grants.length) return { text: 'This channel has no access grants: it sees what its audience may open in Drive.' };
      return {
        text: [
          '*Access grants of this channel*',
          ...grants.map(
            (g) => `• ${describe(g)} — ${g.documents} document(s), granted by <@${g.grantedBy}> ${g.grantedAt.toISOString().slice(0, 10)}`,
          ),
        ].join('\n'),
      };
    }
    if (!s.target)
      return { text: `:warning: Give a Drive folder link or a category: \`/trajanus access ${s.action} <folder link or category>\`.` };
    try {
      if (s.action === 'grant') {
        const target = await resolveTarget(ctx.db, s.target);
        const { grant, added } = await grantAccess(ctx.db, { channelId: who.channel, target, actor: who.userId });
        ctx.logger.info({ channel: who.channel, admin: who.userId, kind: target.kind, value: target.value }, 'access granted to a channel');
        return {
          text: added
            ? `:white_check_mark: This channel may now be answered from ${describe(grant)} (${grant.documents} document(s)), from the next question on.`
            : `This channel already has ${describe(grant)}.`,
        };
      }
      const gone = await revokeAccess(ctx.db, {
        channelId: who.channel,
        text: s.target,
        actor: who.userId,
        folderId: folderIdFromLink(s.target),
      });
      ctx.logger.info({ channel: who.channel, admin: who.userId, kind: gone.kind, value: gone.value }, 'channel access revoked');
      return {
        text: `:white_check_mark: Revoked ${describe(gone)}: from the next question on, this channel sees only what its audience may open.`,
      };
    } catch (e) {
      if (e instanceof TargetError) return { text: `:warning: ${escapeMrkdwn(e.message)}` };
      throw e;
    }
  }
  if (inDm)
    return { text: ':warning: A scope belongs to a channel: run `/trajanus scope …` there. Here I search everything you may open.' };
  if (s.action === 'show') {
    const scope = await channelScope(ctx.db, who.channel, facts?.name);
    if (scope.kind === 'all')
      return { text: 'This channel searches *all documents*. Narrow it with `/trajanus scope <folder link or category>`.' };
    return {
      text: `This channel searches ${describe(scope)}${scope.source === 'default' ? ' (by default: the channel is named after it)' : ''}. Change it with \`/trajanus scope <folder link or category>\`, or \`/trajanus scope clear\` to search everything.`,
    };
  }
  if (s.action === 'clear') {
    await clearChannelScope(ctx.db, who.channel, who.userId);
    return { text: `<@${who.userId}> set this channel to search *all documents*.`, inChannel: true };
  }
  let target: Target;
  try {
    // Only places where the asker may open something here: a scope never names what they may not see.
    target = await resolveTarget(ctx.db, s.target, await ctx.access.scope({ userId: who.userId, channel: who.channel }));
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    if (!folderIdFromLink(s.target) && readsLikeQuestion(s.target)) return undefined;
    return { text: `:warning: ${escapeMrkdwn(e.message)}` };
  }
  await setChannelScope(ctx.db, who.channel, target, who.userId);
  return {
    text: `<@${who.userId}> set this channel to search ${describe(target)}. \`/trajanus scope clear\` searches everything again.`,
    inChannel: true,
  };
}
