// The offline answer composer: no model, no network. It answers with the retrieved documents'
// own statements and never writes one they do not contain. An answer is the fewest statements
// that answer the question — often one — then at most one line of context, and, when an older
// dated source said something else, one line saying so as older. Each part of a two-part
// question is answered on its own. Statements are scored by how much of the question's concepts
// they cover (same stemming and IDF as the search; a concept counts once whichever spelling a
// statement uses); when sources disagree the most recent dated one leads and the answer says
// what date it is as of.
import type { Queryable } from '../db/types.js';
import type { ChunkHit, DocumentHit } from '../search/types.js';
import { figuresIn } from '../wording/figures.js';
import { namesAPlace, namesSomeone } from '../wording/names.js';
import { questionPart, type Expects } from '../wording/question.js';
import { splitStatements, type Statement } from './sentences.js';
import type { AnswerSource } from './types.js';
import type { RevisionStanding } from '../revisions/family.js';
import { sourcePlace } from './place.js';
import { coverage, covered, lexemesOf, passageLexemes, weighConcepts, type WeightedConcept } from './weights.js';

export interface ComposeOptions {
  /** Statements that answer one part (near-ties, as in a list of open items). */
  maxPerPart?: number;
  /** Documents to quote from. */
  maxDocuments?: number;
  /** Each document's standing among its revisions (revisions/family.ts), for the source lines. */
  standings?: Map<string, RevisionStanding>;
}

export interface ComposePart {
  text: string;
  concepts: WeightedConcept[];
  docs: DocumentHit[];
  expects?: Expects;
  wantsCurrent?: boolean;
  wantsList?: boolean;
}

export interface Composed {
  text: string;
  sources: AnswerSource[];
  /** Per part, the share of its concepts the best statement covers (0–1). */
  coverage: number[];
}

interface Candidate {
  doc: DocumentHit;
  context: string;
  rank: number;
  /** The chunk the statement comes from, so the source can say where it is. */
  chunk: ChunkHit;
  order: number;
  statement: Statement;
  text: string;
  lexemes: Set<string>;
  cov: number;
  score: number;
}

const NEAR_TIE = 0.95;
/** How far below the best a more recent source may be and still lead: wide for "is it still open?", ties only otherwise. */
const RECENT_WINDOW = { current: 0.75, other: 0.98 };
/** Longer "statements" are tables or text run together by an extractor: unreadable as an answer. */
const MAX_CHARS = 600;
const DURATION_UNITS = new Set(['min', 'h', 'day', 'wk', 'mo', 'yr']);
const LENGTH_UNITS = new Set(['ft', 'in', 'yd', 'mi']);

/** Does the statement hold the kind of figure the question asks for? */
function holdsExpected(text: string, expects: Expects, asked: Set<string>): boolean {
  if (!expects) return false;
  if (expects === 'person') return namesSomeone(text, asked);
  if (expects === 'place') return namesAPlace(text, asked);
  const figs = figuresIn(text);
  switch (expects) {
    case 'rate':
      return figs.some((f) => f.kind === 'percent') || /\b(per|each|every)\b/i.test(text);
    case 'duration':
      return figs.some((f) => f.unit && DURATION_UNITS.has(f.unit));
    case 'date':
      return figs.some((f) => f.kind === 'date') || /\b\d{1,2}(?::\d{2})?\s?(?:AM|PM|a\.m\.|p\.m\.)/i.test(text);
    case 'amount':
      return figs.some((f) => f.kind === 'money' || f.kind === 'percent');
    case 'length':
      return figs.some((f) => f.unit && LENGTH_UNITS.has(f.unit));
    case 'speed':
      return figs.some((f) => f.unit === 'mph');
    case 'weight':
      return figs.some((f) => f.unit === 'lb' || f.unit === 'psf' || f.unit === 'psi');
    case 'count':
      return figs.some((f) => f.kind === 'number');
  }
  return false;
}
const REVISED = /\b(revised|current|latest|updated|amended|now)\b/i;

/** Words of a field row that carry its meaning: a header only counts when its value says more than a number or a date. */
function matchText(s: Statement, withoutState = false): string {
  if (!s.fields) return s.text;
  return s.fields
    .filter(([h]) => !withoutState || !STATE_COLUMN.test(h))
    .map(([h, v]) => (/^[\d\s,./:$%-]*$/.test(v) || /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : `${h.replace(/_/g, ' ')} ${v}`))
    .join(' ; ');
}

/** Stemmed words of an item's state ("still open?", "answered yet?", "approved?"), as a status column holds them. */
const STATES = new Set([
  'open',
  'close',
  'answer',
  'pend',
  'approv',
  'reject',
  'resolv',
  'outstand',
  'complet',
  'unansw',
  'overdu',
  'return',
]);

const IDENTIFIER = /(?<![\w-])[A-Za-z]{1,6}-\d+[A-Za-z0-9.-]*(?![\w-])/g;

/**
 * A row's status is the state of the item in its first cell: the submittal row that mentions
 * RFI-041 in its notes says nothing of RFI-041's state. With no item named, every row counts.
 */
const isRecordOf = (s: Statement, ids: string[]) => !!s.fields && (!ids.length || ids.includes(s.fields[0][1].trim().toLowerCase()));

/** A row's state cell ("status: Open"), which decides a question about the present state. */
const STATE_COLUMN = /^\s*(status|state)\s*$/i;
const stateOf = (s: Statement) => s.fields?.find(([h]) => STATE_COLUMN.test(h))?.[1] ?? '';

const human = (h: string) => h.replace(/_/g, ' ').trim();

/**
 * A table or CSV row as one readable line: what it is (its first cells), then only the cells the
 * question asks about — not a wall of "column: value;".
 */
function readableRow(fields: [string, string][], wanted: (text: string) => boolean): string {
  if (fields.length <= 3) {
    const [[, first], ...rest] = fields;
    return rest.length ? `${first} — ${rest.map(([h, v]) => (h ? `${human(h)}: ${v}` : v)).join('; ')}` : first;
  }
  const [[, id], [h2, second]] = fields;
  const texty = !/^[\d\s,./:$%-]*$/.test(second) && second.length > 3;
  const head = texty ? `${id} — ${second}` : `${id}`;
  const picked = fields
    .slice(texty ? 2 : 1)
    .filter(([h, v]) => wanted(`${human(h)} ${v}`))
    .slice(0, 4);
  if (!texty) picked.unshift([h2, second]);
  return picked.length ? `${head} (${picked.map(([h, v]) => `${human(h)}: ${v}`).join('; ')})` : head;
}

function candidatesOf(docs: DocumentHit[]): Omit<Candidate, 'lexemes' | 'cov' | 'score' | 'text'>[] {
  const out: Omit<Candidate, 'lexemes' | 'cov' | 'score' | 'text'>[] = [];
  docs.forEach((doc, rank) => {
    const seen = new Set<string>();
    const title = doc.title.trim().toLowerCase();
    doc.chunks.slice(0, rank === 0 ? 6 : 3).forEach((c) =>
      splitStatements(c.content).forEach((statement, si) => {
        const key = statement.text.toLowerCase();
        if (seen.has(key) || key === title || statement.text.length > MAX_CHARS) return;
        seen.add(key);
        out.push({ doc, rank, chunk: c, order: c.chunkIndex * 1000 + si, statement, context: c.context });
      }),
    );
  });
  return out;
}

interface PartAnswer {
  lead: Candidate[];
  context?: Candidate;
  older?: Candidate;
  coverage: number;
}

async function answerPart(
  db: Queryable,
  part: ComposePart,
  dates: Map<string, string>,
  opts: Required<Omit<ComposeOptions, 'standings'>>,
): Promise<PartAnswer | undefined> {
  // The current source of a state is often a log that repeats the question's words less than the
  // minutes that discussed it: for "is it still open?" every retrieved document may lead.
  const raw = candidatesOf(part.wantsCurrent ? part.docs : part.docs.slice(0, opts.maxDocuments));
  if (!raw.length) return undefined;
  const contexts = [...new Set(raw.map((c) => c.context))];
  const ids = (part.text.match(IDENTIFIER) ?? []).map((x) => x.toLowerCase());
  const [lex, ctxLex, stateLex] = [
    await passageLexemes(
      db,
      // Another item's status ("notes: see SUB-210; status: Approved") is no answer about the item asked.
      raw.map((c) => matchText(c.statement, part.wantsCurrent && ids.length > 0 && !isRecordOf(c.statement, ids))),
    ),
    await lexemesOf(db, contexts),
    await lexemesOf(
      db,
      raw.map((c) => (part.wantsCurrent && isRecordOf(c.statement, ids) ? stateOf(c.statement) : '')),
    ),
  ];
  const ctxOf = new Map(contexts.map((c, i) => [c, ctxLex[i]]));
  const stateWords = part.wantsCurrent
    ? part.concepts.flatMap((c) => c.alternatives.filter((a) => a.length === 1 && STATES.has(a[0])).flat())
    : [];
  const asked = new Set(part.text.toLowerCase().match(/[a-z][\w'’-]*/g) ?? []);
  const scored: Candidate[] = raw.map((c, i) => {
    const lexemes = new Set(lex[i]);
    // A row with a status cell answers "is it open / answered / approved yet?" whatever its state says.
    if (stateLex[i].length) for (const l of stateWords) lexemes.add(l);
    const own = coverage(part.concepts, lexemes);
    // The heading a statement sits under says part of what it is about ("Daily report", "Hot work permits").
    const cov = own + 0.8 * (coverage(part.concepts, new Set([...lexemes, ...(ctxOf.get(c.context) ?? [])])) - own);
    const len = c.statement.fields ? 0 : c.statement.text.length;
    const score =
      cov +
      0.1 / (c.rank + 1) +
      (holdsExpected(c.statement.text, part.expects, asked) ? 0.15 : 0) -
      (len > 300 ? 0.1 : 0) +
      (part.wantsCurrent && REVISED.test(c.statement.text) ? 0.1 : 0) +
      // "Which RFIs are still open?": the row whose status says "Open", not the one whose subject says "opening".
      (stateLex[i].length && coverage(part.concepts, new Set(stateLex[i])) > 0 ? 0.1 : 0);
    return { ...c, text: c.statement.text, lexemes, cov, score };
  });
  const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
  if (best.cov === 0) {
    // No word in common (a paraphrase the dense leg found): the best document's opening is the honest quote.
    const first = scored.find((s) => s.rank === 0) ?? best;
    return { lead: [first], coverage: 0 };
  }
  // When several sources answer about equally, the most recent dated one leads.
  const window = part.wantsCurrent ? RECENT_WINDOW.current : RECENT_WINDOW.other;
  // A statement without the kind of figure asked for ("the revised GMP was issued") does not lead over one with it.
  const answering =
    part.expects && scored.some((s) => s.cov > 0 && holdsExpected(s.text, part.expects, asked))
      ? scored.filter((s) => holdsExpected(s.text, part.expects, asked))
      : scored;
  const top = answering.reduce((a, b) => (b.score > a.score ? b : a));
  const contenders = answering.filter((s) => s.score >= window * top.score && s.cov > 0);
  if (!contenders.length) contenders.push(best);
  const newest = (s: Candidate) => dates.get(s.doc.documentId) ?? '';
  const lead0 = contenders.reduce((a, b) => (newest(b) > newest(a) || (newest(b) === newest(a) && b.score > a.score) ? b : a));
  const leadDate = newest(lead0);
  // For a list, near-ties from the lead's document answer together (the open items of a log); else one statement answers.
  const lead = part.wantsList
    ? [lead0, ...scored.filter((s) => s !== lead0 && s.score >= NEAR_TIE * lead0.score && s.cov >= lead0.cov - 1e-9 && s.doc === lead0.doc)]
        .sort((a, b) => b.score - a.score)
        .slice(0, opts.maxPerPart)
    : [lead0];
  const got = new Set(lead.flatMap((l) => [...l.lexemes]));
  const coveredByLead = covered(part.concepts, got);
  const total = part.concepts.reduce((s, c) => s + c.weight, 0) || 1;
  // One line of context, only if it covers a concept the answer does not.
  let context: Candidate | undefined;
  let gain = 0;
  for (const s of scored) {
    if (lead.includes(s) || s.score < 0.5 * best.score || s.cov < 0.5) continue;
    if (leadDate && newest(s) && newest(s) < leadDate) continue;
    const adds =
      covered(part.concepts, s.lexemes).reduce((g, c, i) => g + (c && !coveredByLead[i] ? part.concepts[i].weight : 0), 0) / total;
    if (adds >= 0.25 && adds > gain) [context, gain] = [s, adds];
  }
  // What an older dated source said, shown as older.
  let older: Candidate | undefined;
  if (leadDate && part.wantsCurrent)
    for (const s of scored)
      if (s.doc !== lead0.doc && newest(s) && newest(s) < leadDate && s.score >= 0.8 * lead0.score && (!older || s.score > older.score))
        older = s;
  const cov = coverage(part.concepts, new Set([...got, ...(context ? context.lexemes : [])]));
  return { lead, context, older, coverage: cov };
}

/** Answers each part from its documents and merges them with one source numbering. */
export async function composeParts(
  db: Queryable,
  parts: ComposePart[],
  dates: Map<string, string>,
  options: ComposeOptions = {},
): Promise<Composed> {
  const opts: Required<Omit<ComposeOptions, 'standings'>> = {
    maxPerPart: options.maxPerPart ?? 4,
    maxDocuments: options.maxDocuments ?? 4,
  };
  const answers: (PartAnswer | undefined)[] = [];
  for (const p of parts) answers.push(await answerPart(db, p, dates, opts));
  const given = answers.filter((a): a is PartAnswer => !!a);
  if (!given.length) return { text: '', sources: [], coverage: parts.map(() => 0) };

  const numberOf = new Map<string, number>();
  const sourceDocs: DocumentHit[] = [];
  const quoted = new Map<string, string[]>();
  const quotedChunks = new Map<string, ChunkHit[]>();
  const cite = (c: Candidate) => {
    if (!numberOf.has(c.doc.documentId)) {
      numberOf.set(c.doc.documentId, numberOf.size + 1);
      sourceDocs.push(c.doc);
    }
    return numberOf.get(c.doc.documentId)!;
  };
  const wantedFor = (p: ComposePart) => (text: string) => {
    const words = text.toLowerCase();
    // A row's status always tells; for "is it still open?" so do its answer and close-out cells.
    if (
      /^\s*(status|state)\b/.test(words) ||
      (p.wantsCurrent && /^\s*[\w ]*(answer|respon|closed|complet|resolution|decision)/.test(words))
    )
      return true;
    return p.concepts.some((c) => c.alternatives.some((a) => a.every((l) => words.includes(l.slice(0, Math.max(3, l.length - 1))))));
  };
  const shown = new Set<string>();
  const lines: string[] = [];
  const say = (c: Candidate, p: ComposePart, prefix = '') => {
    const text = c.statement.fields ? readableRow(c.statement.fields, wantedFor(p)) : c.text;
    if (shown.has(text)) return;
    shown.add(text);
    lines.push(`• ${prefix}${text} [${cite(c)}]`);
    quoted.set(c.doc.documentId, [...(quoted.get(c.doc.documentId) ?? []), text]);
    quotedChunks.set(c.doc.documentId, [...(quotedChunks.get(c.doc.documentId) ?? []), c.chunk]);
  };
  const olderLines: [Candidate, ComposePart][] = [];
  answers.forEach((a, i) => {
    if (!a) return;
    // Within a part, statements keep document order: a list reads as it does in the source.
    for (const c of [...a.lead].sort((x, y) => x.rank - y.rank || x.order - y.order)) say(c, parts[i]);
    if (a.context) say(a.context, parts[i]);
    if (a.older) olderLines.push([a.older, parts[i]]);
  });
  for (const [c, p] of olderLines) {
    const d = dates.get(c.doc.documentId);
    say(c, p, `Older (${d}, ${c.doc.title}): `);
  }

  const leadDoc = given[0].lead[0].doc;
  const leadDate = dates.get(leadDoc.documentId);
  const asOf = leadDate && (given.length === 1 || given.every((a) => a.lead[0].doc === leadDoc)) ? ` (as of ${leadDate})` : '';
  const single = sourceDocs.length === 1;
  const intro = single
    ? `From **${sourceDocs[0].title}**${asOf}:`
    : leadDate && asOf
      ? `As of ${leadDate}, per **${leadDoc.title}**:`
      : 'From the documents:';
  const sources: AnswerSource[] = sourceDocs.map((d) => ({
    n: numberOf.get(d.documentId)!,
    documentId: d.documentId,
    title: d.title,
    path: d.path,
    score: d.score,
    snippet: (quoted.get(d.documentId) ?? []).join(' … ').slice(0, 300),
    ...sourcePlace(d, [...new Set(quotedChunks.get(d.documentId))], options.standings?.get(d.documentId), dates.get(d.documentId)),
  }));
  return { text: `${intro}\n${lines.join('\n')}`, sources, coverage: answers.map((a) => a?.coverage ?? 0) };
}

/** One question, one set of documents (no vocabulary or dates beyond what the question spells). */
export async function composeAnswer(db: Queryable, question: string, docs: DocumentHit[], opts: ComposeOptions = {}): Promise<Composed> {
  const part = questionPart(question);
  return composeParts(db, [{ ...part, concepts: await weighConcepts(db, part.concepts), docs }], new Map(), opts);
}
