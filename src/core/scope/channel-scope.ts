// Channel scope — relevance, not security: what a channel searches. Set with `/trajanus scope …`
// (stored in channel_scopes; 'all' is a cleared scope), or by default the one top-level folder or
// category whose name is the channel's (`#proj-harbor-point` → Harbor Point). A scope only ever
// narrows: a category through the search functions' filter_category, a Drive folder through one
// more reader row in the access scope (['folder:<id>'], held by the documents filed under it).
import { type AccessScope, OPERATOR_SCOPE } from '../access/scope.js';
import { placeForChannelName, topLevelPlaces, type Target } from '../access/targets.js';
import type { Queryable } from '../db/types.js';
import type { SearchFilters } from '../search/types.js';

export type SearchScope =
  /** Everything the readers may open (a DM, a channel without scope, the operator). */
  | { kind: 'all'; label: string; channelId?: string; source: 'none' | 'set' }
  | (Target & { channelId: string; source: 'set' | 'default'; setBy?: string; setAt?: Date });

export const ALL_DOCUMENTS = 'all documents';

/** What a question asked outside any channel searches. */
export const UNSCOPED: SearchScope = Object.freeze({ kind: 'all' as const, label: ALL_DOCUMENTS, source: 'none' as const });

/** The scope a channel searches: the one set there, else its name's folder or category, else everything. */
export async function channelScope(db: Queryable, channelId: string, channelName?: string): Promise<SearchScope> {
  const r = await db.query<{ kind: 'folder' | 'category' | 'all'; value: string; label: string; set_by: string; set_at: Date | string }>(
    'SELECT kind, value, label, set_by, set_at FROM channel_scopes WHERE channel_id = $1',
    [channelId],
  );
  const row = r.rows[0];
  if (row?.kind === 'all') return { kind: 'all', label: ALL_DOCUMENTS, channelId, source: 'set' };
  if (row)
    return { kind: row.kind, value: row.value, label: row.label, channelId, source: 'set', setBy: row.set_by, setAt: new Date(row.set_at) };
  const place = placeForChannelName(await topLevelPlaces(db), channelName);
  if (place) return { kind: place.kind, value: place.value, label: place.label, channelId, source: 'default' };
  return { kind: 'all', label: ALL_DOCUMENTS, channelId, source: 'none' };
}

/** `/trajanus scope <target>`: any member may narrow what the channel searches. */
export async function setChannelScope(db: Queryable, channelId: string, target: Target, setBy: string): Promise<void> {
  await writeScope(db, channelId, target.kind, target.value, target.label, setBy);
}

async function writeScope(db: Queryable, channelId: string, kind: Target['kind'] | 'all', value: string, label: string, setBy: string) {
  await db.query(
    `INSERT INTO channel_scopes (channel_id, kind, value, label, set_by, set_at) VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (channel_id) DO UPDATE SET kind = EXCLUDED.kind, value = EXCLUDED.value, label = EXCLUDED.label, set_by = EXCLUDED.set_by, set_at = now()`,
    [channelId, kind, value, label, setBy],
  );
}

/** `/trajanus scope clear`: search everything, also in a channel whose name would give it a default scope. */
export async function clearChannelScope(db: Queryable, channelId: string, setBy: string): Promise<void> {
  await writeScope(db, channelId, 'all', '', ALL_DOCUMENTS, setBy);
}

/**
 * The access scope and filters a search runs with under `scope`. A filter the caller gave wins over
 * a category scope (it is the narrower wish); a folder scope adds a reader row, so it always holds.
 */
export function narrowSearch(
  access: AccessScope,
  filters: SearchFilters | undefined,
  scope: SearchScope | undefined,
): { access: AccessScope; filters?: SearchFilters } {
  if (!scope || scope.kind === 'all') return { access, filters };
  if (scope.kind === 'category') return { access, filters: { ...filters, category: filters?.category ?? scope.value } };
  const within = [`folder:${scope.value}`];
  const narrowed: AccessScope =
    access.kind === 'operator' || access === OPERATOR_SCOPE
      ? { kind: 'readers', readers: [within], label: `everything in ${scope.label}` }
      : { ...access, readers: [...access.readers, within] };
  return { access: narrowed, filters };
}

/** The footer of an answer: "Searched: Harbor Point · change with /trajanus scope" (the hint only where a channel's scope applies). */
export function searchedFooter(searched: { label: string; inChannel: boolean }, command = '/trajanus'): string {
  return `Searched: ${searched.label}${searched.inChannel ? ` · change with ${command} scope` : ''}`;
}
