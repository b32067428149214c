// Who reads an answer, from facts the transport has gathered (emails, channel kind, members):
// pure, so every rule of "who may see what, where" is tested without Slack. The Slack lookups
// that gather the facts live in src/bot/access.ts.
import {
  ANYONE,
  WORKSPACE,
  channelPrincipal,
  domainPrincipal,
  emailDomain,
  groupPrincipal,
  userPrincipal,
  type AccessScope,
  type Principal,
} from './scope.js';

export interface AccessPolicy {
  /** WORKSPACE_DOMAINS: a document shared with one of these domains is visible to the whole workspace. */
  workspaceDomains: string[];
}

/** One person as the transport knows them. Anything but a full member with an email fails closed. */
export interface Identity {
  kind: 'member' | 'external' | 'guest' | 'bot' | 'unknown';
  email?: string;
  /** Google groups the email belongs to (access_group_members), lower-case. */
  groups?: string[];
}

export type Conversation =
  /** A direct message, the assistant pane, an ephemeral reply: the asker alone reads it. */
  | { kind: 'private-to-asker' }
  | { kind: 'public'; id: string; name?: string }
  /** `members` undefined: the channel is larger than the configured limit, or its members could not be listed. */
  | { kind: 'private'; id: string; name?: string; members?: Identity[] }
  /** Slack Connect (is_ext_shared): people of other organisations read it. */
  | { kind: 'shared'; id: string; name?: string };

/** What a whole workspace may open: documents shared with anyone, the workspace, or a workspace domain. */
export function workspacePrincipals(policy: AccessPolicy): Principal[] {
  return [ANYONE, WORKSPACE, ...policy.workspaceDomains.map(domainPrincipal)];
}

const knows = (id: Identity): id is Identity & { email: string } => (id.kind === 'member' || id.kind === 'external') && !!id.email;

/**
 * The principals one person holds. A full member holds the workspace's own (folder documents)
 * plus their email, its domain and their groups; a person of another organisation only their own
 * shares and `anyone`. Unknown people (no email, a guest, a bot) hold only what the whole
 * workspace may open: the fail-closed rule of the issue.
 */
export function personPrincipals(id: Identity, policy: AccessPolicy): Principal[] {
  if (!knows(id)) return workspacePrincipals(policy);
  const own = [userPrincipal(id.email), ...(id.groups ?? []).map(groupPrincipal)];
  const domain = emailDomain(id.email);
  if (domain) own.push(domainPrincipal(domain));
  return id.kind === 'member' ? [ANYONE, WORKSPACE, ...own] : [ANYONE, ...own];
}

/**
 * The access scope of an answer: the asker AND the conversation's audience.
 *  - private to the asker: the asker's documents;
 *  - public channel: also anyone/workspace/workspace-domain documents;
 *  - private channel: also every member's (above the member limit: the public rule);
 *  - Slack Connect: also `anyone` only.
 * A channel's grants ('channel:<id>' rows) let its audience, never the asker, pass a document.
 */
export function audienceScope(asker: Identity, where: Conversation, policy: AccessPolicy): AccessScope {
  const identityUnknown = !knows(asker);
  const askerReader = personPrincipals(asker, policy);
  const who = knows(asker) ? asker.email : 'an unidentified user';
  if (where.kind === 'private-to-asker') return { kind: 'readers', readers: [askerReader], label: `only ${who}`, identityUnknown };
  const grant = channelPrincipal(where.id);
  const name = where.name ? `#${where.name}` : where.id;
  if (where.kind === 'shared')
    return {
      kind: 'readers',
      readers: [askerReader, [ANYONE, grant]],
      label: `${name} (shared with other organisations)`,
      identityUnknown,
    };
  if (where.kind === 'private' && where.members) {
    const members = where.members.map((m) => [...personPrincipals(m, policy), grant]);
    return {
      kind: 'readers',
      readers: [askerReader, ...members],
      label: `${name} (private, ${where.members.length} members)`,
      identityUnknown,
    };
  }
  const label = where.kind === 'private' ? `${name} (private, treated as public)` : `${name} (public)`;
  return { kind: 'readers', readers: [askerReader, [...workspacePrincipals(policy), grant]], label, identityUnknown };
}

/** The scope of a question whose asker and place are not known at all: what the whole workspace may open. */
export function unknownScope(policy: AccessPolicy): AccessScope {
  return { kind: 'readers', readers: [workspacePrincipals(policy)], label: 'an unidentified user', identityUnknown: true };
}

/** The DM scope of a person known only by email (`trajanus ask --as`): a full member with their groups. */
export function memberScope(email: string, groups: string[], policy: AccessPolicy): AccessScope {
  return audienceScope({ kind: 'member', email, groups }, { kind: 'private-to-asker' }, policy);
}
