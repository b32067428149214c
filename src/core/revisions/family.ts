// Revisions of one thing: documents with the same title apart from their revision mark
// (documents.revision_base) in the same folder (file_path). Answers prefer the latest one found,
// say that earlier ones exist, and say when a quoted revision has been superseded.
import type { Queryable } from '../db/types.js';
import type { DocumentHit } from '../search/types.js';
import { revisionOrder } from './mark.js';

export interface RevisionSibling {
  documentId: string;
  title: string;
  revision: string | null;
  /** The stated date, else the source's modification date (yyyy-mm-dd). */
  date: string | null;
}

export interface RevisionStanding {
  /** This document is the latest of its family. */
  latest: boolean;
  /** The latest revision, when this one is not it. */
  newer?: RevisionSibling;
  /** Earlier revisions of the same thing. */
  earlier: RevisionSibling[];
}

const day = (d: Date | string | null | undefined): string | null => {
  if (!d) return null;
  if (typeof d === 'string') return d.slice(0, 10);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
};

/** When the document speaks for: the date it states, else when the source last changed it. */
export const asOfDate = (d: Pick<DocumentHit, 'statedDate' | 'modifiedAt'>): string | null => day(d.statedDate) ?? day(d.modifiedAt);

interface Row {
  id: string;
  title: string;
  revision: string | null;
  revision_base: string;
  file_path: string | null;
  stated_date: string | null;
  modified_at: Date | null;
}

/** Later first: the revision mark's order, then the stated date, then the modification time. */
function compare(a: Row, b: Row): number {
  return (
    revisionOrder(b.revision) - revisionOrder(a.revision) ||
    (b.stated_date ?? '').localeCompare(a.stated_date ?? '') ||
    (b.modified_at?.getTime() ?? 0) - (a.modified_at?.getTime() ?? 0)
  );
}

// The folder a document is in: its path without the last part (the file's own name).
const folderOf = (path: string | null | undefined) => (path ?? '').replace(/\/?[^/]*$/, '');
const familyOf = (base: string, path: string | null | undefined) => `${folderOf(path)}\u0000${base}`;
const sibling = (r: Row): RevisionSibling => ({
  documentId: r.id,
  title: r.title,
  revision: r.revision,
  date: day(r.stated_date) ?? day(r.modified_at),
});

/** For each hit that has revisions (a family of two or more documents), where it stands among them. */
export async function revisionStandings(db: Queryable, docs: DocumentHit[]): Promise<Map<string, RevisionStanding>> {
  const out = new Map<string, RevisionStanding>();
  const bases = [...new Set(docs.map((d) => d.revisionBase).filter((b): b is string => !!b))];
  if (!bases.length) return out;
  const r = await db.query<Row>(
    `SELECT id, title, revision, revision_base, file_path, to_char(stated_date, 'YYYY-MM-DD') AS stated_date, modified_at
     FROM documents WHERE revision_base = ANY($1::text[])`,
    [bases],
  );
  const families = new Map<string, Row[]>();
  for (const row of r.rows) {
    const key = familyOf(row.revision_base, row.file_path);
    families.set(key, [...(families.get(key) ?? []), row]);
  }
  for (const d of docs) {
    if (!d.revisionBase) continue;
    const members = (families.get(familyOf(d.revisionBase, d.path)) ?? []).sort(compare);
    // A family needs a mark on at least one member: two files that merely share a title are not revisions.
    if (members.length < 2 || !members.some((m) => m.revision)) continue;
    const at = members.findIndex((m) => m.id === d.documentId);
    if (at < 0) continue;
    out.set(d.documentId, {
      latest: at === 0,
      ...(at > 0 ? { newer: sibling(members[0]) } : {}),
      earlier: members.slice(at + 1).map(sibling),
    });
  }
  return out;
}

/**
 * A superseded revision found beside its latest is dropped when the latest matches the question
 * about as well (at least `cover` of its score): the latest then speaks for the family. One that
 * matches far better (text the latest no longer has), or was found alone, stays, and its standing
 * says that a newer one exists.
 */
export function preferLatest(docs: DocumentHit[], standings: Map<string, RevisionStanding>, cover = 0.8): DocumentHit[] {
  const score = new Map(docs.map((d) => [d.documentId, d.score]));
  return docs.filter((d) => {
    const newer = standings.get(d.documentId)?.newer;
    const latestScore = newer ? score.get(newer.documentId) : undefined;
    return latestScore === undefined || latestScore < cover * d.score;
  });
}

const named = (s: RevisionSibling) => [s.revision ?? s.title, s.date].filter(Boolean).join(', ');

/** "Rev D, 2026-10-02; an earlier Rev C also exists", or "Rev C, 2026-08-14; superseded: a newer Rev D (2026-10-02) exists". */
export function describeStanding(
  revision: string | null | undefined,
  date: string | null,
  s: RevisionStanding | undefined,
): string | undefined {
  if (!s) return undefined;
  const self = [revision, date].filter(Boolean).join(', ');
  if (s.newer) return `${self ? `${self}; ` : ''}superseded: a newer ${named(s.newer).replace(/, (\d{4}-\d{2}-\d{2})$/, ' ($1)')} exists`;
  if (!s.earlier.length) return undefined;
  const earlier = s.earlier.map((e) => e.revision ?? e.title);
  const also = earlier.length === 1 ? `an earlier ${earlier[0]} also exists` : `earlier ${earlier.join(', ')} also exist`;
  return `${self || 'the latest revision'}; ${also}`;
}
