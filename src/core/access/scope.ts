// Who is reading an answer, as the search SQL sees it: a list of READERS, each the set of Drive
// principals that reader holds. A document may be used only when every reader holds one of its
// principals (see migrations/0005_access.sql). Operator tools see everything, but only by naming
// the operator scope: there is no default, so a caller that forgets the scope does not compile.

/** A Drive principal as stored in document_access.principal. */
export type Principal = string;

export type AccessScope =
  | { kind: 'operator' }
  | {
      kind: 'readers';
      /** One entry per reader (the asker, the channel audience, each member…); each non-empty. */
      readers: Principal[][];
      /** What the scope is, for people: "DM with ann@acme.com", "#proj-harbor (public channel)". */
      label: string;
      /** Set when the asker's identity could not be read: the answer says so in one line. */
      identityUnknown?: boolean;
    };

/** CLI without --as, scheduled jobs, eval and benchmarks: every document, said explicitly. */
export const OPERATOR_SCOPE: AccessScope = Object.freeze({ kind: 'operator' as const });

export const ANYONE: Principal = 'anyone';
/** Held by every full member of the Slack workspace; the folder source's documents carry it. */
export const WORKSPACE: Principal = 'workspace';
export const userPrincipal = (email: string): Principal => `user:${normalizeEmail(email)}`;
export const groupPrincipal = (email: string): Principal => `group:${normalizeEmail(email)}`;
export const domainPrincipal = (domain: string): Principal => `domain:${domain.trim().toLowerCase()}`;
export const channelPrincipal = (channelId: string): Principal => `channel:${channelId}`;

/** Emails are matched case-insensitively against Drive principals. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
export const emailDomain = (email: string): string | undefined => normalizeEmail(email).split('@')[1] || undefined;

/**
 * The search functions' access_scope argument: a rectangular 2-D array (rows padded with NULL),
 * or [['*']] for the operator. A reader with no principals can see nothing, and so nothing passes.
 */
export function sqlScope(scope: AccessScope): (string | null)[][] {
  if (scope.kind === 'operator') return [['*']];
  if (!scope.readers.length) throw new Error('an access scope needs at least one reader');
  // A reader holding nothing: no document passes. 'user:' alone matches no stored principal.
  const rows = scope.readers.map((r) => [...new Set(r.filter((p) => p && p !== '*'))]).map((r) => (r.length ? r : ['none:']));
  const width = Math.max(...rows.map((r) => r.length));
  return rows.map((r) => [...r, ...Array<null>(width - r.length).fill(null)]);
}

/** Pure check of the same rule in TypeScript (tests and `trajanus access`): may every reader open a document with these principals? */
export function permits(scope: AccessScope, documentPrincipals: Iterable<Principal>): boolean {
  if (scope.kind === 'operator') return true;
  const held = new Set(documentPrincipals);
  return scope.readers.every((r) => r.some((p) => held.has(p)));
}
