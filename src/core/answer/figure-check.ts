// The figure check: every number, date, dimension and amount in a model's answer must appear —
// after normalisation ("$25,000" = "25000 dollars", "6 ft" = "6 feet") — in a passage that its
// statement cites. A statement with a figure its sources do not hold is taken out of the answer
// and named in a closing "Could not verify" line: a superintendent acts on numbers, and a wrong
// one that reads like a right one is worse than none.
import { figuresIn, sameFigure, type Figure } from '../wording/figures.js';

export interface UnverifiedFigure {
  figure: string;
  /** Source numbers the statement cited (empty: it cited none). */
  cited: number[];
  /** Sources given to the model that do hold the figure. */
  foundIn: number[];
}

export interface FigureCheck {
  text: string;
  unverified: UnverifiedFigure[];
}

const CITE = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;
const citesOf = (s: string) => [...s.matchAll(CITE)].flatMap((m) => m[1].split(',').map((x) => Number(x.trim())));

/** Sentences of a line, each with the citations that follow it (a citation closes the sentence before it). */
function statements(line: string): string[] {
  return line.split(/(?<=[.!?](?:\s*\[[\d,\s]+\])*)\s+(?=[A-Z*"“(])/).filter((s) => s.trim());
}

/** Figures worth checking: list numbering and citation numbers are not claims. */
function claims(statement: string): Figure[] {
  const body = statement.replace(CITE, ' ').replace(/^\s*(?:[-*•]|\d+[.)])\s+/, '');
  return figuresIn(body);
}

export function checkFigures(answer: string, passages: Map<number, string>): FigureCheck {
  const known = new Map([...passages].map(([n, text]) => [n, figuresIn(text)]));
  const unverified: UnverifiedFigure[] = [];
  const lines = answer.split('\n').map((line) => {
    const parts = statements(line);
    const kept = parts.filter((st, i) => {
      // A statement without its own citation leans on the next cited one of its line ("A. B [1]."): a
      // paragraph cited once at its end. After the last citation, nothing vouches for it.
      const cited =
        parts
          .slice(i)
          .map(citesOf)
          .find((c) => c.length) ?? [];
      const bad = claims(st).filter((f) => !cited.some((n) => known.get(n)?.some((k) => sameFigure(f, k))));
      for (const f of bad)
        unverified.push({
          figure: f.text,
          cited,
          foundIn: [...known].filter(([n, fs]) => !cited.includes(n) && fs.some((k) => sameFigure(f, k))).map(([n]) => n),
        });
      return !bad.length;
    });
    return kept.length === parts.length ? line : kept.join(' ');
  });
  if (!unverified.length) return { text: answer, unverified };
  const text = lines
    .filter((l, i, all) => l.trim() || (i > 0 && all[i - 1].trim()))
    .join('\n')
    .trim();
  return { text, unverified };
}

/** The closing line naming what was taken out, e.g. "Could not verify: $41,200,000 (not in “Agreement”; it appears in “Amendment No. 1”)". */
export function unverifiedLine(u: UnverifiedFigure[], name: (n: number) => string): string {
  const list = (ns: number[]) => ns.map((n) => `“${name(n)}”`).join(', ');
  const each = u.map(
    (x) =>
      `${x.figure} (${x.cited.length ? `not in ${list(x.cited)}, which it cited` : 'no source cited'}${x.foundIn.length ? `; it appears in ${list(x.foundIn)}` : ''})`,
  );
  return `Could not verify: ${each.join('; ')}. The statement${u.length > 1 ? 's' : ''} with ${u.length > 1 ? 'these figures were' : 'this figure was'} removed.`;
}
