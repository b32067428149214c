// document_access: the permissions of each document, written by ingest from what the source
// reports. A change of permissions alone is applied here without fetching or re-embedding.
import type { Queryable } from '../db/types.js';
import type { SourceAccess, SourceGrant } from '../sources/types.js';

const key = (g: SourceGrant) => `${g.principal}\u0000${g.role ?? ''}\u0000${g.via}`;

/** One row per principal (the first grant of a principal wins: the file's own before the drive's). */
function rows(access: SourceAccess | undefined): SourceGrant[] {
  if (!access || 'error' in access) return [];
  const byPrincipal = new Map<string, SourceGrant>();
  for (const g of access.grants) if (!byPrincipal.has(g.principal)) byPrincipal.set(g.principal, g);
  return [...byPrincipal.values()].sort((a, b) => key(a).localeCompare(key(b)));
}

const errorOf = (access: SourceAccess | undefined): string | null =>
  !access ? 'the source reported no permissions for this file' : 'error' in access ? access.error : null;

/**
 * Makes the stored permissions of a document equal to `access` (source rows only: channel grants
 * and folder rows, which follow the document's place, are kept). Returns true when anything changed. Runs inside the caller's transaction when given one.
 */
export async function syncDocumentAccess(db: Queryable, documentId: string, access: SourceAccess | undefined): Promise<boolean> {
  return (await syncDocumentsAccess(db, [{ documentId, access }]))[0];
}

/** syncDocumentAccess for many documents in a fixed number of statements (bulk writes); one changed flag per entry. */
export async function syncDocumentsAccess(
  db: Queryable,
  docs: readonly { documentId: string; access: SourceAccess | undefined }[],
): Promise<boolean[]> {
  if (!docs.length) return [];
  const ids = docs.map((d) => d.documentId);
  const current = await db.query<{
    document_id: string;
    principal: string;
    role: string | null;
    via: SourceGrant['via'];
    error: string | null;
  }>(
    `SELECT a.document_id, a.principal, a.role, a.via, NULL::text AS error FROM document_access a
      WHERE a.document_id = ANY ($1::uuid[]) AND a.via NOT IN ('grant', 'folder')
     UNION ALL SELECT e.document_id, NULL, NULL, NULL, e.error FROM document_access_errors e WHERE e.document_id = ANY ($1::uuid[])`,
    [ids],
  );
  const have = new Map<string, { grants: string[]; error: string | null }>();
  for (const r of current.rows) {
    const h = have.get(r.document_id) ?? { grants: [], error: null };
    if (r.principal === null) h.error = r.error;
    else h.grants.push(key({ principal: r.principal, role: r.role ?? undefined, via: r.via }));
    have.set(r.document_id, h);
  }
  const changed = docs.map((d) => {
    const h = have.get(d.documentId) ?? { grants: [], error: null };
    const want = rows(d.access);
    return !(h.error === errorOf(d.access) && h.grants.length === want.length && h.grants.sort().join('\n') === want.map(key).join('\n'));
  });
  const write = docs.filter((_, i) => changed[i]);
  if (!write.length) return changed;
  const writeIds = write.map((d) => d.documentId);
  await db.query(`DELETE FROM document_access WHERE document_id = ANY ($1::uuid[]) AND via NOT IN ('grant', 'folder')`, [writeIds]);
  const grants = write.flatMap((d) => rows(d.access).map((g) => ({ id: d.documentId, g })));
  if (grants.length)
    await db.query(
      `INSERT INTO document_access (document_id, principal, role, via)
       SELECT d, p, r, v FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(d, p, r, v)
       ON CONFLICT (document_id, principal) DO UPDATE SET role = EXCLUDED.role, via = EXCLUDED.via`,
      [grants.map((x) => x.id), grants.map((x) => x.g.principal), grants.map((x) => x.g.role ?? null), grants.map((x) => x.g.via)],
    );
  const errors = write.filter((d) => errorOf(d.access));
  if (errors.length)
    await db.query(
      `INSERT INTO document_access_errors (document_id, error) SELECT d, e FROM unnest($1::uuid[], $2::text[]) AS u(d, e)
       ON CONFLICT (document_id) DO UPDATE SET error = EXCLUDED.error, recorded_at = now()`,
      [errors.map((d) => d.documentId), errors.map((d) => errorOf(d.access))],
    );
  const clean = write.filter((d) => !errorOf(d.access)).map((d) => d.documentId);
  if (clean.length) await db.query('DELETE FROM document_access_errors WHERE document_id = ANY ($1::uuid[])', [clean]);
  return changed;
}
