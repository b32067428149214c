// Figures — amounts, dimensions, durations, dates, percentages — written the many ways people
// write them ("$25,000", "25000 dollars", "25k"; "6 ft", "6 feet", "6'"; "twenty feet") reduced
// to one canonical form, so a question can find the document's spelling and a model's answer
// can be checked against the passage it cites.

const SMALL: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const NUMBER_WORD = new RegExp(
  `\\b(?:(${Object.keys(TENS).join('|')})(?:[- ](${Object.keys(SMALL)
    .filter((w) => SMALL[w] > 0 && SMALL[w] < 10)
    .join('|')}))?|(${Object.keys(SMALL).join('|')}))(?:\\s+(hundred|thousand))?\\b`,
  'gi',
);

/** Units by canonical name; each pattern must match the whole unit as written after a number. */
const UNITS: [string, RegExp][] = [
  ['ft', /^(?:ft\.?|feet|foot|')$/i],
  ['in', /^(?:in\.?|inch|inches|")$/i],
  ['yd', /^(?:yd|yds|yards?)$/i],
  ['cy', /^(?:cy|cubic yards?)$/i],
  ['sf', /^(?:sf|sq\.? ?ft|square feet|square foot)$/i],
  ['psf', /^(?:psf|pounds per square foot)$/i],
  ['psi', /^psi$/i],
  ['lb', /^(?:lbs?|pounds?)$/i],
  ['mph', /^(?:mph|miles per hour)$/i],
  ['mi', /^(?:mi|miles?)$/i],
  ['F', /^(?:°\s?F|F|deg(?:rees)?\.? ?F|degrees(?: fahrenheit)?)$/i],
  ['%', /^(?:%|percent|per cent)$/i],
  ['min', /^(?:min|mins|minutes?)$/i],
  ['h', /^(?:h|hr|hrs|hours?)$/i],
  ['day', /^(?:days?|calendar days?|working days?|business days?)$/i],
  ['wk', /^(?:wks?|weeks?)$/i],
  ['mo', /^(?:months?)$/i],
  ['yr', /^(?:yrs?|years?)$/i],
  ['$', /^(?:dollars?|usd)$/i],
];
const UNIT_WORDS =
  'ft\\.?|feet|foot|in\\.?|inch(?:es)?|\'|"|yds?|yards?|cy|cubic yards?|sf|sq\\.? ?ft|square f(?:ee|oo)t|psf|pounds per square foot|psi|lbs?|pounds?|mph|miles per hour|miles?|mi|°\\s?F|deg(?:rees)?\\.? ?F|degrees(?: fahrenheit)?|F|%|percent|per cent|mins?|minutes?|hrs?|hours?|h|(?:calendar |working |business )?days?|wks?|weeks?|months?|yrs?|years?|dollars?|usd';

export function unitOf(written: string): string | undefined {
  const w = written.trim();
  return UNITS.find(([, re]) => re.test(w))?.[0];
}

/** "twenty feet" → "20 feet", "two hundred" → "200": number words become digits. */
export function digitsForWords(text: string): string {
  return text.replace(NUMBER_WORD, (m, tens?: string, unit?: string, small?: string, scale?: string) => {
    let n = tens ? TENS[tens.toLowerCase()] + (unit ? SMALL[unit.toLowerCase()] : 0) : SMALL[small!.toLowerCase()];
    if (scale) n *= scale.toLowerCase() === 'hundred' ? 100 : 1000;
    // "one" alone is usually a pronoun ("which one"); only a number word next to a unit or scale is a figure.
    return n === 1 && !scale ? m : String(n);
  });
}

const withCommas = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 6 });

export interface Figure {
  /** As written. */
  text: string;
  /** Canonical value: a number, or an ISO-like date ("2026-03-10", "03-10"). */
  value: string;
  unit?: string;
  kind: 'number' | 'money' | 'date' | 'percent';
  index: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const FIGURE = new RegExp(
  [
    // 2026-03-10, 03-10 (minutes write dates as month-day), 3/10/2026
    String.raw`(?<iso>\b\d{4}-\d{2}-\d{2}\b)`,
    String.raw`(?<md>(?<![\w-])(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\w-]))`,
    String.raw`(?<us>\b\d{1,2}/\d{1,2}/\d{2,4}\b)`,
    String.raw`(?<month>\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?(?:, \d{4})?\b)`,
    // $25,000 · 25,000 · 25000 · 10k · 1.5 million · 4-1/2 · L/175
    String.raw`(?<money>\$\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m|million|thousand)?\b)`,
    String.raw`(?<num>(?<![\w/.-])\d+(?:,\d{3})*(?:\.\d+)?(?:[-‑]\d+/\d+)?(?:\s?(?:k|thousand|million)\b)?)(?:[\s-]?(?<unit>${UNIT_WORDS})(?![\w]))?`,
  ].join('|'),
  'gi',
);

function scaled(raw: string): number {
  const m = /^([\d,]*\.?\d+)\s?(k|m|million|thousand)?$/i.exec(raw.replace(/^\$\s?/, '').trim());
  if (!m) return NaN;
  const n = Number(m[1].replace(/,/g, ''));
  const s = m[2]?.toLowerCase();
  return s === 'k' || s === 'thousand' ? n * 1000 : s === 'm' || s === 'million' ? n * 1e6 : n;
}

/** Every figure in a text, canonicalised. Number words count ("twenty feet" is 20 ft). */
export function figuresIn(textIn: string): Figure[] {
  const text = digitsForWords(textIn);
  const out: Figure[] = [];
  for (const m of text.matchAll(FIGURE)) {
    const g = m.groups!;
    const index = m.index!;
    if (g.iso) out.push({ text: g.iso, value: g.iso, kind: 'date', index });
    else if (g.md) out.push({ text: g.md, value: g.md, kind: 'date', index });
    else if (g.us) {
      const [mo, d, y] = g.us.split('/').map(Number);
      const yy = y < 100 ? 2000 + y : y;
      out.push({ text: g.us, value: `${yy}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`, kind: 'date', index });
    } else if (g.month) {
      const mm = /^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?:, (\d{4}))?/i.exec(g.month)!;
      const mo = MONTHS.indexOf(mm[1].slice(0, 3).toLowerCase()) + 1;
      const md = `${String(mo).padStart(2, '0')}-${mm[2].padStart(2, '0')}`;
      out.push({ text: g.month, value: mm[3] ? `${mm[3]}-${md}` : md, kind: 'date', index });
    } else if (g.money) out.push({ text: g.money.trim(), value: String(scaled(g.money)), unit: '$', kind: 'money', index });
    else if (g.num) {
      const unit = g.unit ? unitOf(g.unit) : undefined;
      const n = /[-‑]\d+\/\d+$/.test(g.num) ? g.num : String(scaled(g.num));
      out.push({ text: m[0].trim(), value: n, unit, kind: unit === '$' ? 'money' : unit === '%' ? 'percent' : 'number', index });
    }
  }
  return out;
}

/** The same figure? Values equal, and units equal when both are given (a bare "42" matches "42 inches"). */
export function sameFigure(a: Figure, b: Figure): boolean {
  if (a.kind === 'date' || b.kind === 'date') {
    if (a.kind !== b.kind) return false;
    // A month-day date matches the same month-day with a year.
    return a.value === b.value || a.value.endsWith(`-${b.value}`) || b.value.endsWith(`-${a.value}`);
  }
  if (Number(a.value) !== Number(b.value) && a.value !== b.value) return false;
  return !a.unit || !b.unit || a.unit === b.unit;
}

/**
 * Ways a document may write the figures of a question, for query expansion: "25000 dollars" →
 * ["$25,000", "25,000"], "6 ft" → ["6 feet", "6 ft", "6-foot"], "10k" → ["10,000"].
 */
export function spellings(f: Figure): string[] {
  if (f.kind === 'date') return [f.text];
  const n = Number(f.value);
  const num = Number.isFinite(n) ? (n >= 1000 ? withCommas(n) : String(n)) : f.value;
  switch (f.unit) {
    case '$':
      return [`$${num}`];
    case 'ft':
      return [`${num} feet`, `${num} ft`, `${num}-foot`];
    case 'in':
      return [`${num} inches`, `${num} in`];
    case 'lb':
      return [`${num} lb`, `${num} pounds`];
    case 'F':
      return [`${num}°F`, `${num} degrees`];
    case '%':
      return [`${num}%`, `${num} percent`];
    case undefined:
      return [num];
    default:
      return [`${num} ${f.text.replace(/^[\d,.\s-]+/, '')}`, num];
  }
}

/**
 * One token per figure, the same however it is written ("twenty feet", "20 ft", "20'" → "fig20ft";
 * "$25,000", "25000 dollars", "25k" → "fig25000usd"), so that a question's figure and a passage's
 * match on both sides, not only in the spellings the question's expansion thought of. Dates are
 * left out: a month-day matches a full date only partly (sameFigure).
 */
export function figureToken(f: Figure): string | undefined {
  if (f.kind === 'date' || !Number.isFinite(Number(f.value))) return undefined;
  const unit = f.unit === '$' ? 'usd' : f.unit === '%' ? 'pct' : (f.unit?.toLowerCase() ?? '');
  return `fig${String(Number(f.value)).replace('.', 'p')}${unit}`;
}

/** A passage's figure tokens, each also without its unit (a question's bare "42" is the passage's "42 inches"). */
export function figureTokens(text: string): string[] {
  const out = new Set<string>();
  for (const f of figuresIn(text)) {
    const t = figureToken(f);
    if (!t) continue;
    out.add(t);
    if (f.unit) out.add(figureToken({ ...f, unit: undefined })!);
  }
  return [...out];
}
