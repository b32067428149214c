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
  const want = rows(access);
  const error = errorOf(access);
  const current = await db.query<{ principal: string; role: string | null; via: SourceGrant['via']; error: string | null }>(
    `SELECT a.principal, a.role, a.via, NULL::text AS error FROM document_access a WHERE a.document_id = $1 AND a.via NOT IN ('grant', 'folder')
     UNION ALL SELECT NULL, NULL, NULL, e.error FROM document_access_errors e WHERE e.document_id = $1`,
    [documentId],
  );
  const have = current.rows
    .filter((r) => r.principal !== null)
    .map((r) => ({ principal: r.principal, role: r.role ?? undefined, via: r.via }));
  const haveError = current.rows.find((r) => r.principal === null)?.error ?? null;
  const same = haveError === error && have.length === want.length && have.map(key).sort().join('\n') === want.map(key).join('\n');
  if (same) return false;
  await db.query(`DELETE FROM document_access WHERE document_id = $1 AND via NOT IN ('grant', 'folder')`, [documentId]);
  if (want.length)
    await db.query(
      `INSERT INTO document_access (document_id, principal, role, via)
       SELECT $1::uuid, p, r, v FROM unnest($2::text[], $3::text[], $4::text[]) AS u(p, r, v)
       ON CONFLICT (document_id, principal) DO UPDATE SET role = EXCLUDED.role, via = EXCLUDED.via`,
      [documentId, want.map((g) => g.principal), want.map((g) => g.role ?? null), want.map((g) => g.via)],
    );
  if (error)
    await db.query(
      `INSERT INTO document_access_errors (document_id, error) VALUES ($1, $2)
       ON CONFLICT (document_id) DO UPDATE SET error = EXCLUDED.error, recorded_at = now()`,
      [documentId, error],
    );
  else await db.query('DELETE FROM document_access_errors WHERE document_id = $1', [documentId]);
  return true;
}
