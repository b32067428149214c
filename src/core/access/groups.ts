// Google group membership, cached in access_group_members. A group whose members cannot be read
// gets no member rows, so nobody holds it (fail closed) and the health report names it.
import type { Database, Queryable } from '../db/types.js';
import type { Logger } from '../log.js';

/** Who is in a group (the Drive source, through Google's Directory API). Throws when it cannot tell. */
export interface GroupDirectory {
  groupMembers(groupEmail: string): Promise<string[]>;
}

export const isGroupDirectory = (x: unknown): x is GroupDirectory => typeof (x as GroupDirectory)?.groupMembers === 'function';

/**
 * Reads the members of the groups documents are shared with: every group on a full sync (the daily
 * refresh), only groups not seen before otherwise. Returns how many groups were resolved and not.
 */
export async function refreshGroups(
  db: Database,
  directory: GroupDirectory,
  opts: { all: boolean; logger?: Logger },
): Promise<{ resolved: number; unresolved: number }> {
  const r = await db.query<{ g: string }>(
    `SELECT DISTINCT substr(a.principal, 7) AS g FROM document_access a
     WHERE a.principal LIKE 'group:%' ${opts.all ? '' : 'AND NOT EXISTS (SELECT 1 FROM access_groups x WHERE x.group_email = substr(a.principal, 7))'}`,
  );
  let resolved = 0;
  let unresolved = 0;
  for (const { g } of r.rows) {
    let members: string[] | undefined;
    let error: string | undefined;
    try {
      members = [...new Set((await directory.groupMembers(g)).map((m) => m.trim().toLowerCase()))];
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      opts.logger?.warn({ group: g, err: error }, 'group members could not be read: documents shared only with it are visible to nobody');
    }
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO access_groups (group_email, resolved, error, refreshed_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (group_email) DO UPDATE SET resolved = EXCLUDED.resolved, error = EXCLUDED.error, refreshed_at = now()`,
        [g, !!members, error ?? null],
      );
      await tx.query('DELETE FROM access_group_members WHERE group_email = $1', [g]);
      if (members?.length)
        await tx.query(
          `INSERT INTO access_group_members (group_email, member_email) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
          [g, members],
        );
    });
    if (members) resolved++;
    else unresolved++;
  }
  return { resolved, unresolved };
}

/** The groups each email belongs to (lower-case emails in, lower-case group emails out). */
export async function groupsOf(db: Queryable, emails: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(emails.map((e) => [e.toLowerCase(), []]));
  if (!emails.length) return out;
  const r = await db.query<{ member_email: string; group_email: string }>(
    'SELECT member_email, group_email FROM access_group_members WHERE member_email = ANY($1::text[])',
    [[...out.keys()]],
  );
  for (const row of r.rows) out.get(row.member_email)?.push(row.group_email);
  return out;
}
