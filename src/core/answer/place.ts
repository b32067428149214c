// What a source line says besides its title: where the quoted passages are in the document
// ("p. 14", "tab Steel, rows 40–44"), a link that opens that place (PDF #page=N), the date the
// document speaks for ("as of"), and which revision it is.
import { formatLocation, linkToLocation } from '../location.js';
import { asOfDate, describeStanding, type RevisionStanding } from '../revisions/family.js';
import type { ChunkHit, DocumentHit } from '../search/types.js';
import type { AnswerSource } from './types.js';

export type SourcePlace = Pick<AnswerSource, 'url' | 'location' | 'asOf' | 'revision' | 'revisionNote' | 'superseded'>;

/** Each quoted chunk's location, formatted, without repeats, in the order quoted. */
export function chunkLocations(chunks: Pick<ChunkHit, 'location' | 'headingPath'>[]): string[] {
  return [...new Set(chunks.map((c) => formatLocation(c.location, c.headingPath)).filter((l): l is string => !!l))];
}

/** `date`: the date the document's text states (answer/dates.ts), which outranks its recorded dates. */
export function sourcePlace(d: DocumentHit, quoted: ChunkHit[], standing?: RevisionStanding, date?: string): SourcePlace {
  const locations = chunkLocations(quoted);
  const asOf = date ?? asOfDate(d);
  const note = describeStanding(d.revision, asOf, standing);
  return {
    url: linkToLocation(d.url, quoted.find((c) => c.location?.page !== undefined)?.location, d.mimeType),
    ...(locations.length ? { location: locations.join('; ') } : {}),
    ...(asOf ? { asOf } : {}),
    ...(d.revision ? { revision: d.revision } : {}),
    ...(note ? { revisionNote: note } : {}),
    ...(standing?.newer ? { superseded: true } : {}),
  };
}

/** "Structural Specs 05 12 00, p. 14 (as of 2026-10-02)": the plain-text form of a source's place. */
export function describeSource(s: Pick<AnswerSource, 'title' | 'location' | 'asOf' | 'revisionNote'>): string {
  return `${s.title}${s.location ? `, ${s.location}` : ''}${s.revisionNote ? ` — ${s.revisionNote}` : ''}${s.asOf ? ` (as of ${s.asOf})` : ''}`;
}

/** A line under an answer that quotes a superseded revision, so the reader knows a newer one exists. */
export function supersededNotice(sources: AnswerSource[]): string | undefined {
  const old = sources.filter((s) => s.superseded && s.revisionNote);
  if (!old.length) return undefined;
  return old.map((s) => `Note: [${s.n}] ${s.title} is ${s.revisionNote!.replace(/^.*?superseded: /, 'superseded: ')}.`).join('\n');
}
