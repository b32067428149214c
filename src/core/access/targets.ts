// "<folder link or category>" as people type it in `/trajanus access grant …` and `/trajanus scope …`,
// resolved against what the knowledge base holds: a Drive folder (by link or id) that documents are
// filed under, or a category (the top folder). Labels are the names people see in Drive, read from
// the stored paths, so resolving needs no Drive call.
import type { Queryable } from '../db/types.js';
import { type AccessScope, OPERATOR_SCOPE, sqlScope } from './scope.js';

export interface Target {
  kind: 'folder' | 'category';
  /** Drive folder id, or the category as stored in documents.category. */
  value: string;
  /** What people call it: the folder's name, the category's folder name. */
  label: string;
}

/** The input names nothing the knowledge base holds; the message says what would work. */
export class TargetError extends Error {
  override name = 'TargetError';
}

/** A Drive folder id out of a folder link (…/drive/folders/<id>, …/drive/u/0/folders/<id>, open?id=<id>). */
export function folderIdFromLink(text: string): string | undefined {
  const t = text.trim().replace(/^<|>$/g, '').split('|')[0];
  const m =
    /^https?:\/\/drive\.google\.com\/(?:drive\/(?:u\/\d+\/)?(?:folders|mobile\/folders)\/([\w-]{10,})|open\?(?:.*&)?id=([\w-]{10,}))/i.exec(
      t,
    );
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Channel names and folder names compared loosely: case, dashes/underscores/spaces, a `proj-` prefix. */
export function normalizePlaceName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^#/, '')
    .replace(/^proj(?:ect)?[-_ ]+/, '')
    .replace(/[-_\s]+/g, ' ')
    .trim();
}

/** A top-level place a channel can be scoped to by name: every category, and every Drive root folder. */
export interface Place extends Target {
  documents: number;
}

/**
 * `within`: only places holding a document these readers may open, so a folder's name never reaches
 * someone who may open nothing in it (default: the operator, every place).
 */
export async function topLevelPlaces(db: Queryable, within: AccessScope = OPERATOR_SCOPE): Promise<Place[]> {
  const scope = [sqlScope(within)];
  const categories = await db.query<{ value: string; label: string; documents: number }>(
    `SELECT d.category AS value,
            coalesce(min(s.seg) FILTER (WHERE lower(s.seg) = lower(d.category)), d.category) AS label,
            count(DISTINCT d.id)::int AS documents
     FROM documents d
     CROSS JOIN LATERAL (VALUES (split_part(coalesce(d.file_path, ''), '/', 1)), (split_part(coalesce(d.file_path, ''), '/', 2))) AS s(seg)
     WHERE d.category IS NOT NULL AND d.category <> '' AND access_permits(d.id, $1::text[])
     GROUP BY d.category ORDER BY 2`,
    scope,
  );
  const roots = await db.query<{ value: string; label: string; documents: number }>(
    `SELECT d.metadata -> 'folderIds' ->> 0 AS value, min(split_part(d.file_path, '/', 1)) AS label, count(*)::int AS documents
     FROM documents d
     WHERE jsonb_typeof(d.metadata -> 'folderIds') = 'array' AND d.metadata -> 'folderIds' ->> 0 IS NOT NULL
       AND access_permits(d.id, $1::text[])
     GROUP BY 1 ORDER BY 2`,
    scope,
  );
  return [
    ...categories.rows.map((r) => ({ kind: 'category' as const, ...r })),
    ...roots.rows.map((r) => ({ kind: 'folder' as const, ...r })),
  ];
}

/** The one place whose name is the channel's (normalised), or undefined when none or several match. */
export function placeForChannelName(places: Place[], channelName: string | undefined): Place | undefined {
  if (!channelName) return undefined;
  const want = normalizePlaceName(channelName);
  if (!want) return undefined;
  const hits = places.filter((p) => normalizePlaceName(p.label) === want || normalizePlaceName(p.value) === want);
  const distinct = new Map(hits.map((p) => [`${p.kind}:${p.value}`, p]));
  return distinct.size === 1 ? [...distinct.values()][0] : undefined;
}

/** The name of a Drive folder documents are filed under (its place in their stored path), or undefined if none is. */
async function folderLabel(db: Queryable, folderId: string, within: AccessScope): Promise<string | undefined> {
  const r = await db.query<{ label: string | null }>(
    `SELECT (SELECT split_part(d.file_path, '/', x.o::int) FROM jsonb_array_elements_text(d.metadata -> 'folderIds') WITH ORDINALITY AS x(id, o)
             WHERE x.id = $1 LIMIT 1) AS label
     FROM documents d WHERE jsonb_typeof(d.metadata -> 'folderIds') = 'array' AND d.metadata -> 'folderIds' ? $1
       AND access_permits(d.id, $2::text[]) LIMIT 1`,
    [folderId, sqlScope(within)],
  );
  if (!r.rows.length) return undefined;
  return r.rows[0].label || folderId;
}

/**
 * A folder link (or bare Drive folder id) or a category name → what it names in the knowledge base.
 * Throws TargetError naming the problem and what would work. `within`: as in topLevelPlaces.
 */
export async function resolveTarget(db: Queryable, text: string, within: AccessScope = OPERATOR_SCOPE): Promise<Target> {
  const raw = text.trim();
  if (!raw) throw new TargetError('Give a Drive folder link or a category.');
  const linked = folderIdFromLink(raw);
  const bareId = !linked && /^[\w-]{20,}$/.test(raw) ? raw : undefined;
  const folderId = linked ?? bareId;
  if (folderId) {
    const label = await folderLabel(db, folderId, within);
    if (label) return { kind: 'folder', value: folderId, label };
    if (linked)
      throw new TargetError(
        `No indexed document is filed under the Drive folder ${folderId}: check the link, or ingest that folder first.`,
      );
  }
  const places = await topLevelPlaces(db, within);
  const want = normalizePlaceName(raw);
  const category = places.find(
    (p) => p.kind === 'category' && (p.value.toLowerCase() === raw.toLowerCase() || normalizePlaceName(p.label) === want),
  );
  if (category) return { kind: 'category', value: category.value, label: category.label };
  const root = places.find((p) => p.kind === 'folder' && normalizePlaceName(p.label) === want);
  if (root) return { kind: 'folder', value: root.value, label: root.label };
  const known = places.map((p) => p.label);
  throw new TargetError(
    `No folder or category called "${raw}" is indexed.${known.length ? ` Known: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}.` : ''} Or paste a Drive folder link.`,
  );
}
