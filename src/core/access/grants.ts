// Admin grants: a channel may quote a folder or a category its audience would not pass on its own.
// Stored in access_grants, written to access_audit (who, when, what), and materialised at once as
// 'channel:<id>' rows of document_access (refresh_access_grants), so the next question sees them
// without a re-ingest. Who counts as an admin is the caller's business (the Slack surface checks).
import type { Database, Queryable } from '../db/types.js';
import { TargetError, type Target } from './targets.js';

export interface Grant extends Target {
  channelId: string;
  grantedBy: string;
  grantedAt: Date;
  /** Documents the grant lets the channel's audience use (materialised rows). */
  documents: number;
}

async function audit(tx: Queryable, actor: string, action: string, channelId: string, detail: Record<string, unknown>) {
  await tx.query('INSERT INTO access_audit (actor, action, channel_id, detail) VALUES ($1, $2, $3, $4::jsonb)', [
    actor,
    action,
    channelId,
    JSON.stringify(detail),
  ]);
}

/** Adds a grant (a repeat is a no-op, still audited) and applies it. Returns the grant as stored. */
export async function grantAccess(
  db: Database,
  g: { channelId: string; target: Target; actor: string },
): Promise<{ grant: Grant; added: boolean }> {
  const added = await db.transaction(async (tx) => {
    const r = await tx.query(
      `INSERT INTO access_grants (channel_id, kind, value, label, granted_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (channel_id, kind, value) DO NOTHING`,
      [g.channelId, g.target.kind, g.target.value, g.target.label, g.actor],
    );
    await audit(tx, g.actor, 'grant', g.channelId, {
      kind: g.target.kind,
      value: g.target.value,
      label: g.target.label,
      added: r.rowCount > 0,
    });
    await tx.query('SELECT refresh_access_grants()');
    return r.rowCount > 0;
  });
  const grant = (await listGrants(db, g.channelId)).find((x) => x.kind === g.target.kind && x.value === g.target.value)!;
  return { grant, added };
}

/**
 * Removes the channel's grant named by `text` (a folder link or id, a category, or a grant's label).
 * Throws TargetError when the channel has no such grant.
 */
export async function revokeAccess(db: Database, r: { channelId: string; text: string; actor: string; folderId?: string }): Promise<Grant> {
  const grants = await listGrants(db, r.channelId);
  const want = r.text.trim().toLowerCase();
  const hit = grants.find(
    (g) =>
      (r.folderId && g.kind === 'folder' && g.value === r.folderId) || g.value.toLowerCase() === want || g.label.toLowerCase() === want,
  );
  if (!hit)
    throw new TargetError(
      grants.length
        ? `This channel has no grant for "${r.text.trim()}". Its grants: ${grants.map((g) => g.label).join(', ')}.`
        : 'This channel has no grants to revoke.',
    );
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM access_grants WHERE channel_id = $1 AND kind = $2 AND value = $3', [r.channelId, hit.kind, hit.value]);
    await audit(tx, r.actor, 'revoke', r.channelId, { kind: hit.kind, value: hit.value, label: hit.label });
    await tx.query('SELECT refresh_access_grants()');
  });
  return hit;
}

/** A channel's grants (or every channel's), newest first, with how many documents each lets through. */
export async function listGrants(db: Queryable, channelId?: string): Promise<Grant[]> {
  const r = await db.query<{
    channel_id: string;
    kind: Target['kind'];
    value: string;
    label: string;
    granted_by: string;
    granted_at: Date | string;
    documents: number;
  }>(
    `SELECT g.channel_id, g.kind, g.value, g.label, g.granted_by, g.granted_at,
            (SELECT count(*)::int FROM documents d
              WHERE (g.kind = 'category' AND lower(d.category) = lower(g.value))
                 OR (g.kind = 'folder' AND coalesce(d.metadata -> 'folderIds', '[]'::jsonb) ? g.value)) AS documents
     FROM access_grants g WHERE $1::text IS NULL OR g.channel_id = $1
     ORDER BY g.granted_at DESC, g.channel_id, g.label`,
    [channelId ?? null],
  );
  return r.rows.map((x) => ({
    channelId: x.channel_id,
    kind: x.kind,
    value: x.value,
    label: x.label,
    grantedBy: x.granted_by,
    grantedAt: x.granted_at instanceof Date ? x.granted_at : new Date(x.granted_at),
    documents: x.documents,
  }));
}

export interface AuditEntry {
  at: Date;
  actor: string;
  action: string;
  channelId: string | null;
  detail: Record<string, unknown>;
}

export async function accessAudit(db: Queryable, limit = 50): Promise<AuditEntry[]> {
  const r = await db.query<{
    at: Date | string;
    actor: string;
    action: string;
    channel_id: string | null;
    detail: Record<string, unknown>;
  }>('SELECT at, actor, action, channel_id, detail FROM access_audit ORDER BY at DESC, id LIMIT $1', [limit]);
  return r.rows.map((x) => ({ at: new Date(x.at), actor: x.actor, action: x.action, channelId: x.channel_id, detail: x.detail }));
}
