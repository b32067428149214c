// Access problems an admin can fix, as counts (never titles): documents whose Drive sharing could
// not be read, by folder, and groups whose members could not be listed, with how many documents
// are shared only through them. Both kinds are visible to nobody until fixed.
import type { Queryable } from '../db/types.js';

export interface AccessHealth {
  unreadable: { folder: string; documents: number }[];
  unresolvedGroups: { group: string; documents: number }[];
}

export async function accessHealth(db: Queryable): Promise<AccessHealth> {
  const unreadable = await db.query<{ folder: string; documents: number }>(
    `SELECT coalesce(nullif(regexp_replace(coalesce(d.file_path, ''), '/[^/]*$', ''), coalesce(d.file_path, '')), '(top level)') AS folder,
            count(*)::int AS documents
     FROM document_access_errors e JOIN documents d ON d.id = e.document_id
     GROUP BY 1 ORDER BY 2 DESC, 1`,
  );
  const groups = await db.query<{ group: string; documents: number }>(
    `SELECT g.group_email AS "group",
            count(DISTINCT a.document_id) FILTER (WHERE NOT EXISTS (
              SELECT 1 FROM document_access o WHERE o.document_id = a.document_id AND o.principal <> a.principal AND o.via NOT IN ('grant', 'folder')))::int AS documents
     FROM access_groups g LEFT JOIN document_access a ON a.principal = 'group:' || g.group_email
     WHERE NOT g.resolved GROUP BY 1 ORDER BY 2 DESC, 1`,
  );
  return { unreadable: unreadable.rows, unresolvedGroups: groups.rows };
}

/** Warnings for the health report. */
export function accessWarnings(a: AccessHealth): string[] {
  const w: string[] = [];
  const n = a.unreadable.reduce((s, x) => s + x.documents, 0);
  if (n)
    w.push(
      `${n} document(s) have sharing Trajanus cannot read, so nobody is answered from them (${a.unreadable
        .slice(0, 5)
        .map((x) => `${x.folder}: ${x.documents}`)
        .join(', ')}${a.unreadable.length > 5 ? ', …' : ''}); give the Drive account permission to see their sharing`,
    );
  if (a.unresolvedGroups.length)
    w.push(
      `${a.unresolvedGroups.length} Google group(s) could not be resolved (${a.unresolvedGroups
        .slice(0, 5)
        .map((g) => `${g.group}: ${g.documents} document(s) shared only with it`)
        .join(', ')}${a.unresolvedGroups.length > 5 ? ', …' : ''}); set GOOGLE_DIRECTORY_SUBJECT with domain-wide delegation`,
    );
  return w;
}
