// A chunk's readable statements: sentences, list items and table rows, without Markdown
// furniture. Lines a PDF or a plain-text export wrapped mid-sentence are joined again; an
// initial ("R. Kowalski", "A. M. Delgado, P.E.") does not end a sentence; a table or CSV row
// stays one statement and keeps its column names, so it can be shown as a readable line.

export interface Statement {
  text: string;
  /** A table or CSV row's cells with their column names. */
  fields?: [string, string][];
}

const cells = (row: string) =>
  row
    .replace(/^\s*\|/, '')
    .replace(/\|\s*$/, '')
    .split('|')
    .map((c) => c.replace(/\*\*/g, '').trim());
const ABBREVIATION = /(?:^|[\s(])(?:No|Nos|e\.g|i\.e|approx|min|max|Mr|Mrs|Ms|Dr|St|vs|etc|Fig|Sec|Art|Inc|Co|Ltd|P\.E|[A-Z])\.$/;
/** "rfi_no: RFI-044; subject: Roof hatch; status: Open" — a CSV row as the extractor writes it. */
const FIELD_ROW = /^(?:[\w][\w ()/#.-]{0,40}: [^;]*;\s+){2,}[\w][\w ()/#.-]{0,40}: /;
/** A line that starts an item of its own: a list marker, an outline number, a "Label:" field. */
const LIST_ITEM = /^(?:[-*•]\s|\d+[.)]\s|[A-Z][.)]\s|\d+(?:\.\d+)+\s|PART\s+\d|\||\*\*[^*]{1,40}\*\*|[A-Z][\w /()'’&-]{0,30}:\s)/;
const MIN_CHARS = 12;

function isHeadingLike(line: string): boolean {
  if (/^#{1,6}\s/.test(line)) return true;
  const letters = line.replace(/[^A-Za-z]/g, '');
  // "SECTION 03 30 00 - CAST-IN-PLACE CONCRETE", "PART 2 - PRODUCTS": shouting lines are titles.
  return letters.length >= 4 && letters === letters.toUpperCase() && !/[.!?]$/.test(line);
}

/** Lines of running text joined across hard wraps; table rows turned into field rows. */
function logicalLines(content: string): Statement[] {
  const out: Statement[] = [];
  let header: string[] | undefined;
  let open = false; // the last line may continue on the next one
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (!line) {
      header = undefined;
      open = false;
      continue;
    }
    if (/^\|?\s*:?-{3,}/.test(line)) continue;
    if (line.startsWith('|')) {
      const row = cells(line);
      if (!header) header = row;
      else {
        const fields = row.map((c, i): [string, string] => [header![i] ?? '', c]).filter(([, c]) => c);
        out.push({ text: fields.map(([h, c]) => (h ? `${h}: ${c}` : c)).join('; '), fields });
      }
      open = false;
      continue;
    }
    header = undefined;
    if (FIELD_ROW.test(line)) {
      const fields = line.split(/;\s+(?=[\w][\w ()/#.-]{0,40}: )/).map((p): [string, string] => {
        const i = p.indexOf(': ');
        return [p.slice(0, i).trim(), p.slice(i + 2).trim()];
      });
      out.push({ text: line, fields });
      open = false;
      continue;
    }
    const prev = out.at(-1);
    // A wrapped line continues the previous one: it starts in lower case, or the previous line
    // stopped mid-sentence at a typical wrap width and this one does not start a new item.
    const continues =
      open &&
      prev &&
      !prev.fields &&
      !LIST_ITEM.test(line) &&
      (/^[a-z(0-9$]/.test(line) ||
        (prev.text.length >= 50 && !/[.!?:;]$/.test(prev.text) && !LIST_ITEM.test(line) && !isHeadingLike(line)));
    if (continues) prev!.text += ` ${line}`;
    else out.push({ text: line });
    open = !/[.!?]$/.test(line) || ABBREVIATION.test(line);
  }
  return out;
}

function clean(line: string): string {
  return line
    .replace(/^[-*•]\s+(\[[ xX]\]\s+)?/, '')
    .replace(/^\d+[.)]\s+/, '')
    .replace(/^[A-Z][.)]\s+(?=[A-Z])/, '')
    .replace(/^\d+(?:\.\d+)+\s+/, '')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** True for a statement that says nothing: a template blank ("Date: ______") or a title line. */
export function isFurniture(s: string): boolean {
  return /_{3,}/.test(s) || isHeadingLike(s);
}

export function splitStatements(content: string): Statement[] {
  const out: Statement[] = [];
  for (const l of logicalLines(content)) {
    if (l.fields) {
      out.push(l);
      continue;
    }
    const line = clean(l.text);
    if (isFurniture(line)) continue;
    let current = '';
    for (const part of line.split(/(?<=[.!?])\s+(?=[A-Z0-9"“(])/)) {
      current = current ? `${current} ${part}` : part;
      if (!ABBREVIATION.test(current)) {
        if (current.length >= MIN_CHARS) out.push({ text: current });
        current = '';
      }
    }
    // What is left ends on an initial or abbreviation: a chunk boundary cut it, and half a sentence misleads.
    if (current.length >= MIN_CHARS && !/(?:^|\s)[A-Z]\.$/.test(current)) out.push({ text: current });
  }
  return out;
}

/** The statements' texts (kept for callers that only need strings). */
export function splitSentences(content: string): string[] {
  return splitStatements(content).map((s) => s.text);
}
