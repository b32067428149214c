// Revision marks and stated dates, read from what a document says of itself: its title ("Structural
// Specs 05 12 00 Rev C", "Door Schedule R3", "ASI-004") and its first page ("Revision 2", "Date:
// 2026-10-02"). Documents whose titles are equal once the mark is removed, in the same folder, are
// revisions of one thing (see family.ts).

export interface RevisionInfo {
  /** The mark as it is cited: "Rev C", "R3", "Revision 2", "ASI-004". */
  mark?: string;
  /** The title without the mark, lower-cased and with punctuation folded: the family key. */
  base: string;
  /** The date the document states (ISO yyyy-mm-dd), when it states one. */
  statedDate?: string;
}

// The mark forms a construction team writes. The value is upper case or digits ("Rev C", "Rev 3"),
// so prose ("Revisions to …", "review") is no mark. Order matters: the longer word first.
const MARKS: { re: RegExp; show: (m: RegExpMatchArray) => string; inText: boolean }[] = [
  {
    re: /\b(ASI|CCD|PR|Addendum|ADDENDUM|Bulletin|BULLETIN)[\s#._-]*(\d{1,4})\b/,
    show: (m) => `${m[1].toUpperCase()}-${m[2].padStart(3, '0')}`,
    inText: false,
  },
  { re: /\b(?:REVISION|Revision|revision)[\s#._:-]*([A-Z]{1,2}|\d{1,3})\b/, show: (m) => `Revision ${m[1]}`, inText: true },
  { re: /\b(?:REV|Rev|rev)\.?[\s#._:-]*([A-Z]{1,2}|\d{1,3})\b/, show: (m) => `Rev ${m[1]}`, inText: true },
  { re: /(?:^|[\s(_-])R(\d{1,3})(?=$|[\s)._-])/, show: (m) => `R${m[1]}`, inText: false },
];

function findMark(text: string, inText = false): { mark: string; index: number; length: number } | undefined {
  for (const { re, show, inText: allowed } of MARKS) {
    if (inText && !allowed) continue;
    const m = re.exec(text);
    if (m) return { mark: show(m), index: m.index, length: m[0].length };
  }
  return undefined;
}

/** The comparable value of a mark within its family: letters and numbers both count up. */
export function revisionOrder(mark: string | null | undefined): number {
  if (!mark) return -1;
  const v = /([A-Z]{1,2}|\d{1,4})$/i.exec(mark.trim())?.[1];
  if (!v) return -1;
  if (/^\d+$/.test(v)) return Number(v);
  const up = v.toUpperCase();
  return up.length === 1 ? up.charCodeAt(0) - 64 : (up.charCodeAt(0) - 64) * 26 + (up.charCodeAt(1) - 64);
}

export const familyKey = (title: string): string =>
  title
    .toLowerCase()
    .replace(/\.[a-z0-9]{2,5}$/, '') // a file extension in the title
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function iso(y: number, m: number, d: number): string | undefined {
  if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1) return undefined;
  return dt.toISOString().slice(0, 10);
}

/** The first date the text states: 2026-10-02, 10/02/2026 (US order), 2 October 2026, Oct 2, 2026. */
export function statedDate(text: string): string | undefined {
  const head = text.slice(0, 3000);
  const found: { at: number; date: string }[] = [];
  for (const m of head.matchAll(/\b(\d{4})-(\d{2})-(\d{2})\b/g)) {
    const d = iso(+m[1], +m[2], +m[3]);
    if (d) found.push({ at: m.index!, date: d });
  }
  for (const m of head.matchAll(/\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/g)) {
    const d = iso(+m[3], +m[1], +m[2]);
    if (d) found.push({ at: m.index!, date: d });
  }
  for (const m of head.matchAll(/\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b/g)) {
    const mi = MONTHS.indexOf(m[2].slice(0, 3).toLowerCase());
    const d = mi >= 0 ? iso(+m[3], mi + 1, +m[1]) : undefined;
    if (d) found.push({ at: m.index!, date: d });
  }
  for (const m of head.matchAll(/\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b/g)) {
    const mi = MONTHS.indexOf(m[1].slice(0, 3).toLowerCase());
    const d = mi >= 0 ? iso(+m[3], mi + 1, +m[2]) : undefined;
    if (d) found.push({ at: m.index!, date: d });
  }
  // A date labelled as the document's ("Date:", "Issued", "Revised", "Rev … dated") wins over the first one.
  const labelled = found.find((f) => /(date[d]?|issued|revised|as of)\s*[:-]?\s*$/i.test(head.slice(Math.max(0, f.at - 24), f.at)));
  return (labelled ?? found.sort((a, b) => a.at - b.at)[0])?.date;
}

/**
 * The revision a document states. The title's mark wins; a first page that says "Revision 2" or
 * "Rev C" gives one when the title has none. The base is the title without its mark.
 */
export function readRevision(title: string, firstPage: string): RevisionInfo {
  const inTitle = findMark(title);
  const base = familyKey(inTitle ? `${title.slice(0, inTitle.index)} ${title.slice(inTitle.index + inTitle.length)}` : title);
  const mark = inTitle?.mark ?? findMark(firstPage.slice(0, 1500), true)?.mark;
  const date = statedDate(firstPage);
  return { base, ...(mark ? { mark } : {}), ...(date ? { statedDate: date } : {}) };
}
