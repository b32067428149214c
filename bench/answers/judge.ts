// Scoring of one answer against its judgment. Deliberately strict and mechanical, so a change
// to the composer cannot look better by being vaguer:
// - right: states the fact (any of `accept`, or every one of `all`), cites one of `documents`,
//   and for a "current state" question (`lead`) the first cited source is one of them.
// - noise bullet: a bullet that states none of the facts (one is allowed as context).
// - cut bullet: a bullet that ends or starts mid-sentence (clipped "…", a dangling word, an
//   initial such as "R." taken for a full stop, a lower-case start).
// - place: with `row`, the cited source of `documents` must give a row range that holds it (a
//   CSV or a tab cited by the rows a spreadsheet shows); an answer citing the right file without
//   its place is not right.
// - undated source: a cited source without an as-of date (counted apart, it does not change right).
// - clean: right, no cut bullet, at most one noise bullet, no template blank, no key: value wall.
// - confident-wrong: an answer that is not right and does not say it may not answer the question;
//   for a nonsense question, any answer that is not the not-found path and carries no doubt.
import type { Answer } from '../../src/core/answer/types.js';

export interface JudgedQuestion {
  class: string;
  question: string;
  documents?: string[];
  accept?: string[];
  all?: string[];
  lead?: boolean;
  /** The row (as a spreadsheet numbers it) the cited source's location must cover. */
  row?: number;
  expect?: 'not-found';
}

export interface Judged {
  question: string;
  class: string;
  verdict: 'right' | 'wrong' | 'not-found' | 'nonsense-ok' | 'nonsense-answered';
  ok: boolean;
  right: boolean;
  clean: boolean;
  hedged: boolean;
  confidentWrong: boolean;
  bullets: number;
  noiseBullets: number;
  cutBullets: number;
  /** Cited sources without an as-of date. */
  undated: number;
  problems: string[];
  answer: string;
  confidence: number;
}

const norm = (s: string) => s.toLowerCase().replace(/[*_`]/g, '').replace(/\s+/g, ' ');
const DANGLING = /\b(and|or|the|of|to|a|an|by|with|for|at|in|on|is|are|be|than|from|per)$/i;

export function hedgedAnswer(a: Pick<Answer, 'answer' | 'noAnswer'>): boolean {
  return !a.noAnswer && /may not (fully )?answer/i.test(a.answer);
}

export function isCut(bullet: string): boolean {
  const t = bullet.replace(/\s*(\[\d+\])+\s*$/, '').trim();
  return /…$|\.\.\.$/.test(t) || /^[a-z]/.test(t) || DANGLING.test(t) || /(^|\s)[A-Z]\.$/.test(t);
}

export function judgeAnswer(q: JudgedQuestion, a: Answer): Judged {
  const hedged = hedgedAnswer(a);
  const bullets = a.answer
    .split('\n')
    .filter((l) => /^\s*[•\-*]\s/.test(l))
    .map((l) => l.replace(/^\s*[•\-*]\s+/, ''));
  const base = { question: q.question, class: q.class, answer: a.answer, confidence: a.confidence, hedged, bullets: bullets.length };
  if (q.expect === 'not-found') {
    const confident = !a.noAnswer && !hedged;
    return {
      ...base,
      verdict: confident ? 'nonsense-answered' : 'nonsense-ok',
      ok: !confident,
      right: false,
      clean: false,
      confidentWrong: confident,
      noiseBullets: 0,
      cutBullets: 0,
      undated: 0,
      problems: confident ? [`answered with confidence ${a.confidence}`] : [],
    };
  }
  const problems: string[] = [];
  const text = norm(a.answer);
  const facts = q.all ?? q.accept ?? [];
  const stated = q.all ? q.all.every((f) => text.includes(norm(f))) : facts.some((f) => text.includes(norm(f)));
  if (!stated) problems.push(`fact missing (${q.all ? 'all of' : 'one of'}: ${facts.join(' | ')})`);
  const citedNs = [...a.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
  const pathOf = (n: number) => a.sources.find((s) => s.n === n)?.path ?? undefined;
  const citedPaths = citedNs.map(pathOf);
  const cites = citedPaths.some((p) => p && q.documents?.includes(p));
  if (!cites) problems.push(`does not cite ${q.documents?.join(' or ')} (cites ${[...new Set(citedPaths)].join(', ') || 'nothing'})`);
  const leads = !q.lead || (citedPaths[0] !== undefined && q.documents!.includes(citedPaths[0]!));
  if (!leads) problems.push(`leads with ${citedPaths[0]} instead of the current source`);
  const cited = [...new Set(citedNs)].map((n) => a.sources.find((s) => s.n === n)).filter((s) => !!s);
  const placed = q.row === undefined || cited.some((s) => s.path && q.documents?.includes(s.path) && coversRow(s.location, q.row!));
  if (!placed) problems.push(`does not cite row ${q.row} (cites ${cited.map((s) => s.location ?? 'no place').join(', ') || 'nothing'})`);
  const undated = cited.filter((s) => !s.asOf).length;
  if (undated) problems.push(`${undated} cited source(s) without an as-of date`);
  const right = !a.noAnswer && stated && cites && leads && placed;
  const hasFact = (b: string) => facts.some((f) => norm(b).includes(norm(f)));
  const noiseBullets = bullets.filter((b) => !hasFact(b)).length;
  const cut = bullets.filter(isCut);
  if (cut.length) problems.push(`cut: ${cut.map((b) => JSON.stringify(b.slice(-40))).join(', ')}`);
  const blanks = bullets.some((b) => /_{3,}/.test(b));
  if (blanks) problems.push('template blank');
  const wall = bullets.some((b) => (b.match(/\b[\w ]{1,30}: [^;]+;/g) ?? []).length >= 3);
  if (wall) problems.push('key: value wall');
  if (noiseBullets > 1) problems.push(`${noiseBullets} noise bullets`);
  const clean = right && !cut.length && noiseBullets <= 1 && !blanks && !wall;
  const confidentWrong = !right && !a.noAnswer && !hedged;
  return {
    ...base,
    verdict: a.noAnswer ? 'not-found' : right ? 'right' : 'wrong',
    ok: right && clean,
    right,
    clean,
    confidentWrong,
    noiseBullets,
    cutBullets: cut.length,
    undated,
    problems,
  };
}

/** Does a location such as "rows 4–9" or "tab Steel, row 42; rows 50–52" hold the row? */
export function coversRow(location: string | undefined, row: number): boolean {
  for (const m of (location ?? '').matchAll(/\brows? (\d+)(?:–(\d+))?/g))
    if (row >= Number(m[1]) && row <= Number(m[2] ?? m[1])) return true;
  return false;
}

export function summarise(judged: Judged[]) {
  const real = judged.filter((j) => j.class !== 'nonsense');
  const nonsense = judged.filter((j) => j.class === 'nonsense');
  const count = (xs: Judged[], f: (j: Judged) => boolean) => xs.filter(f).length;
  const byClass: Record<string, { n: number; right: number; clean: number }> = {};
  for (const j of real) {
    const c = (byClass[j.class] ??= { n: 0, right: 0, clean: 0 });
    c.n++;
    c.right += Number(j.right);
    c.clean += Number(j.clean);
  }
  const sum = (f: (j: Judged) => number) => real.reduce((s, j) => s + f(j), 0);
  return {
    questions: real.length,
    nonsense: nonsense.length,
    right: count(real, (j) => j.right),
    clean: count(real, (j) => j.clean),
    rightRate: real.length ? count(real, (j) => j.right) / real.length : 0,
    cleanRate: real.length ? count(real, (j) => j.clean) / real.length : 0,
    bullets: sum((j) => j.bullets),
    noiseBullets: sum((j) => j.noiseBullets),
    cutBullets: sum((j) => j.cutBullets),
    undatedSources: sum((j) => j.undated),
    confidentWrong: count(real, (j) => j.confidentWrong),
    confidentNonsense: count(nonsense, (j) => j.confidentWrong),
    hedged: count(judged, (j) => j.hedged),
    byClass,
  };
}
