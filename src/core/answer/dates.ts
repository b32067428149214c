// The date a document speaks for, so that when sources disagree the answer can prefer the most
// recent and say what it is "as of". Taken from the document itself, in this order: a labelled
// date near the top ("Date: 2026-03-17", "Date / time: Tuesday 2026-10-20", "executed
// 2026-01-05"), a date in its title or file name ("rfi-log-2026-03-24.csv"), and for a log (a
// table of dated rows) the latest date it records outside due-date columns. File times are not
// used: a copied or re-exported file gets a new one without saying anything new.
import type { Queryable } from '../db/types.js';

const ISO = /\b(\d{4})-(\d{2})-(\d{2})\b/;
const MONTH = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (\d{1,2}),? (\d{4})\b/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const LABEL =
  /\b(date|dated|as of|data date|issued|revised|executed|effective|updated)\b[^\n]{0,40}?(\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4})/i;
const FUTURE_COLUMN = /required|due|planned|forecast|scheduled|target|expected|needed/i;

function isoOf(s: string): string | undefined {
  const m = ISO.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  const n = MONTH.exec(s);
  if (n) return `${n[3]}-${String(MONTHS.indexOf(n[1].slice(0, 3).toLowerCase()) + 1).padStart(2, '0')}-${n[2].padStart(2, '0')}`;
  return undefined;
}

export function documentDate(doc: { title: string; path?: string | null; content: string }): string | undefined {
  const labelled = LABEL.exec(doc.content.slice(0, 1200));
  if (labelled) return isoOf(labelled[2]);
  const named = isoOf(doc.title) ?? isoOf(doc.path ?? '');
  if (named) return named;
  // A log: rows of "column: value" (CSV as extracted, or a Markdown table); its date is its latest entry.
  const rows = doc.content.split('\n').filter((l) => (l.match(/: [^;]*;/g) ?? []).length >= 2);
  if (rows.length < 3) return undefined;
  let latest: string | undefined;
  for (const row of rows)
    for (const field of row.split(/;\s+/)) {
      const i = field.indexOf(': ');
      if (i < 0 || FUTURE_COLUMN.test(field.slice(0, i))) continue;
      const d = isoOf(field.slice(i + 2));
      if (d && (!latest || d > latest)) latest = d;
    }
  return latest;
}

/** Dates of the given documents (absent when a document states none). */
export async function documentDates(db: Queryable, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  // The head is enough for a labelled date; a log needs its rows, so up to 200 kB is read.
  const r = await db.query<{ id: string; title: string; file_path: string | null; content: string }>(
    'SELECT id, title, file_path, left(content, 200000) AS content FROM documents WHERE id = ANY ($1::uuid[])',
    [ids],
  );
  const out = new Map<string, string>();
  for (const d of r.rows) {
    const date = documentDate({ title: d.title, path: d.file_path, content: d.content });
    if (date) out.set(d.id, date);
  }
  return out;
}
