// What a question asks, before anything is searched: its parts (a two-part question is two
// questions), whether it is a question at all (pasted SQL or code is not), and its concepts —
// each a set of interchangeable spellings (the words as typed, the vocabulary's document
// wording, the figure's other spellings) that the search and the composer treat as one.
import { figureToken, figuresIn, spellings } from './figures.js';
import { findTerms } from './vocabulary.js';

export interface Concept {
  /** Interchangeable spellings; the first is the one typed. */
  alternatives: string[];
  /** A figure: it matches whole or not at all (half of "4,000 psi" is "4", which is not the figure). */
  exact?: boolean;
  /** A figure's spelling-free token (figureToken), matched against the passages' figure tokens. */
  token?: string;
}

/** What kind of figure the question asks for, from its question words ("how long" → a duration). */
export type Expects = 'rate' | 'duration' | 'date' | 'amount' | 'length' | 'count' | 'speed' | 'weight' | 'person' | 'place' | undefined;

export interface QuestionPart {
  text: string;
  concepts: Concept[];
  expects: Expects;
  /** Asks for the present state ("still open", "current GMP", "yet"): the latest dated source decides. */
  wantsCurrent: boolean;
  /** Asks for a list ("Which RFIs are open?", "what submittals are due"): several statements may answer; otherwise one does. */
  wantsList: boolean;
  /** The text given to the lexical+dense search: the question with the other spellings added. */
  searchText: string;
}

const CODE =
  /\b(select|insert|update|delete|drop|create|alter|truncate|grant)\b[\s\S]*\b(from|into|table|where|set|values|database|index)\b/i;

/** Pasted SQL, code or markup: not a question, whatever words it shares with the documents. */
export function looksLikeCode(q: string): boolean {
  const symbols = (q.match(/[;{}=<>*`$\\]|--|\(\)/g) ?? []).length;
  const words = (q.match(/[A-Za-z]{2,}/g) ?? []).length;
  if (CODE.test(q) && (symbols >= 1 || (/\b(from|where)\b/i.test(q) && /\b[A-Z]{4,}\b/.test(q)))) return true;
  return words > 0 && symbols / words > 0.5 && symbols >= 4;
}

const QUESTION_START = /^(what|when|who|whom|whose|how|where|which|why|is|are|was|were|does|do|did|can|could|should|must|has|have|will)\b/i;
const LEAD = /^(what|when|who|how|where|which)\b[^?]*?\b(is|are|was|were|do|does)\s+(the\s+)?/i;

/**
 * Splits "What were the original GMP and the revised GMP?" into its two questions. A split
 * happens only where both sides are substantial (two words or more that are not question words),
 * or where the second side starts a question of its own ("… and when is it due?") or a second item
 * ("… and the revised GMP"), so "cutting and welding" and "footings and grade beams" stay one question.
 */
export function splitQuestion(question: string): string[] {
  const q = question.trim();
  const bySentence = q
    .split(/(?<=\?)\s+(?=\S)|;\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (bySentence.length > 1) return bySentence.slice(0, 3);
  const m = /^(.*?\S)\s*,?\s+(?:and|as well as|plus)\s+(also\s+)?(.+)$/i.exec(q);
  if (!m) return [q];
  const [, left, , right] = m;
  const content = (s: string) =>
    (s.replace(/[?.!]/g, '').match(/[A-Za-z0-9$][\w$'’,.-]*/g) ?? []).filter(
      (w) => !/^(what|when|who|how|where|which|why|is|are|was|were|the|a|an|of|for|to|do|does|did|we|our|much|many|long|it|its)$/i.test(w),
    );
  const rightIsQuestion = QUESTION_START.test(right);
  if (!rightIsQuestion && (content(left).length < 2 || content(right).length < 2)) return [q];
  // "… for footings and grade beams?": a bare noun joined to the last one is one subject, not a second
  // question; a second item comes with its own article ("and the revised GMP") or many words.
  if (!rightIsQuestion && !/^(the|a|an|its|our|their|this|that|each|every)\s/i.test(right) && content(right).length < 4) return [q];
  if (rightIsQuestion && content(right).length < 1) return [q];
  // "What were the original GMP and the revised GMP?": the second part borrows the first's question words.
  const lead = LEAD.exec(left)?.[0] ?? '';
  const second = rightIsQuestion || !lead ? right : `${lead}${right.replace(/^the\s+/i, '')}`;
  return [left.replace(/[,]$/, '').trim() + (/\?$/.test(q) ? '?' : ''), second.trim()].map((s) => s.replace(/\?\?$/, '?'));
}

// "how long", "how much": the question's type, not its subject — no document says "long" to mean a duration.
const TYPE_WORDS = /\bhow\s+(long|much|many|often|far|high|tall|soon|big|deep|wide|heavy|quickly|fast|thick|large|big)\b/gi;
const CURRENT = /\b(still|currently|current|now|yet|latest|as of (today|now)|outstanding|remaining|so far|to date)\b/gi;

// "Which RFIs …", "what submittals are …", "list the …": a list. "How high are the midrails?" asks one thing of a plural.
const LIST = /^\s*which\b|\bwhat\s+[a-z]+s\s+(are|were|have|remain|need)\b|\b(list|all the|any|every)\b/i;

function expectsOf(text: string): Expects {
  const t = text.toLowerCase();
  // "how much … on each pay application": a rate or a rule, not one month's total.
  if ((/\bhow much\b|\bwhat\b/.test(t) && /\b(each|every|per)\b/.test(t)) || /\bhow often\b|\bfrequency\b/.test(t)) return 'rate';
  if (/\bhow (long|often|soon|quickly)\b|\bwithin how\b|\bduration\b/.test(t)) return 'duration';
  // "Who is the super?", "who's the GC": a name answers it, not a sentence about the role.
  if (/^\s*(who|who's|whom)\b|\bwho (is|are|was|were)\b/.test(t)) return 'person';
  // "Where do workers park?": a named place or a location on the job answers it ("Mill Street", "Level 2", "grid B/4").
  if (/^\s*where\b|\bwhere (is|are|do|does|can|should|must)\b/.test(t)) return 'place';
  if (/\bwhen\b|\bwhat (date|day)\b|\bdeadline\b|\bdue date\b/.test(t)) return 'date';
  if (/\bhow much\b|\bcost\b|\bprice\b|\bamount\b|\bpercent|%|\bgmp\b|\bvalue\b|\blds?\b/.test(t)) return 'amount';
  if (/\bhow (far|high|tall|deep|wide|thick|big|large)\b|\bheight\b|\bdepth\b|\bwidth\b|\bdistance\b|\bclearance\b/.test(t))
    return 'length';
  if (/\bhow many\b|\bnumber of\b/.test(t)) return 'count';
  if (/\bwind speed\b|\bmph\b|\bhow fast\b/.test(t)) return 'speed';
  if (/\bhow heavy\b|\bweight\b|\bload\b|\bcapacity\b/.test(t)) return 'weight';
  return undefined;
}

const WORD = /[A-Za-z0-9][A-Za-z0-9'’&/.-]*[A-Za-z0-9]|[A-Za-z0-9]/g;

/** A question's concepts: vocabulary terms and figures first (with their spellings), then each remaining word. */
export function questionPart(text: string): QuestionPart {
  const concepts: Concept[] = [];
  const taken: [number, number][] = [];
  for (const re of [TYPE_WORDS, CURRENT]) for (const m of text.matchAll(re)) taken.push([m.index!, m.index! + m[0].length]);
  for (const t of findTerms(text)) {
    concepts.push({ alternatives: [...new Set([t.typed, ...t.written])] });
    taken.push([t.index, t.index + t.typed.length]);
  }
  for (const f of figuresIn(text)) {
    // figuresIn works on number words turned into digits; positions are close enough to mark words taken.
    if (taken.some(([a, b]) => f.index < b && a < f.index + f.text.length)) continue;
    const alts = [...new Set([f.text, ...spellings(f)])];
    concepts.push({ alternatives: alts, exact: true, token: figureToken(f) });
    taken.push([f.index, f.index + f.text.length]);
  }
  for (const m of text.matchAll(WORD)) {
    const i = m.index!;
    if (taken.some(([a, b]) => i < b && a < i + m[0].length)) continue;
    // "RFIs", "NCRs": the stemmer keeps an acronym's plural apart from the singular the documents number.
    concepts.push({ alternatives: /^[A-Z]{2,}s$/.test(m[0]) ? [m[0], m[0].slice(0, -1)] : [m[0]] });
  }
  const wantsCurrent = new RegExp(CURRENT.source, 'i').test(text) || /\b(open|status)\b/i.test(text);
  // A present state is written in a log's status column ("status: Open"), which no question names:
  // the search looks for it too, without making it a concept an answer must cover.
  const extra = [...concepts.flatMap((c) => c.alternatives.slice(1)), ...(wantsCurrent && !/\bstatus\b/i.test(text) ? ['status'] : [])];
  return {
    text,
    concepts,
    expects: expectsOf(text),
    wantsCurrent,
    wantsList: LIST.test(text),
    searchText: extra.length ? `${text} ${extra.join(' ')}` : text,
  };
}

export function analyseQuestion(question: string): { parts: QuestionPart[]; code: boolean } {
  return { parts: splitQuestion(question).map(questionPart), code: looksLikeCode(question) };
}
