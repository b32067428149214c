// How much of a question a passage covers, concept by concept. Words are stemmed by Postgres
// (the index's configuration, trajanus_english: migration 0031) and weighted by the same BM25 IDF as the
// lexical search, so the composer and the confidence weigh words exactly as the search did;
// a concept counts once whichever of its spellings the passage uses ("LDs" or "liquidated
// damages"), which an OR of all spellings in the search cannot say.
import type { Queryable } from '../db/types.js';
import { figureTokens } from '../wording/figures.js';
import type { Concept } from '../wording/question.js';

export interface WeightedConcept {
  /** Each alternative spelling as its set of lexemes. */
  alternatives: string[][];
  /** Per alternative: one token ("RFI-016", "$25,000") counts only whole — RFI-017 is no part of RFI-016. */
  whole: boolean[];
  weight: number;
}

export async function lexemesOf(db: Queryable, texts: string[]): Promise<string[][]> {
  if (!texts.length) return [];
  const r = await db.query<{ i: number; lexemes: string[] }>(
    `SELECT x.i::int AS i, tsvector_to_array(to_tsvector('trajanus_english', x.t)) AS lexemes FROM unnest($1::text[]) WITH ORDINALITY AS x(t, i)`,
    [texts],
  );
  const out: string[][] = texts.map(() => []);
  for (const row of r.rows) out[row.i - 1] = row.lexemes;
  return out;
}

/** A passage's words as the composer and the confidence match them: its lexemes and its figures' tokens. */
export async function passageLexemes(db: Queryable, texts: string[]): Promise<string[][]> {
  const lex = await lexemesOf(db, texts);
  return lex.map((l, i) => [...l, ...figureTokens(texts[i])]);
}

/** BM25 IDF of each lexeme; a word the corpus has never seen gets the rarest IDF (it still counts against coverage). */
export async function idfOf(db: Queryable, lexemes: string[]): Promise<Map<string, number>> {
  const uniq = [...new Set(lexemes)];
  if (!uniq.length) return new Map();
  const r = await db.query<{ term: string; idf: number }>(
    `SELECT q.term, ln(1 + (greatest(ls.chunks, 1) - coalesce(ts.df, 0) + 0.5) / (coalesce(ts.df, 0) + 0.5))::float8 AS idf
     FROM unnest($1::text[]) AS q(term) LEFT JOIN term_stats ts ON ts.term = q.term CROSS JOIN lexical_stats ls`,
    [uniq],
  );
  return new Map(r.rows.map((x) => [x.term, x.idf]));
}

/** A lexeme that carries meaning: not a lone letter ("a b" asks nothing). */
const meaningful = (l: string) => l.length >= 2 || /\d/.test(l);

export async function weighConcepts(
  db: Queryable,
  concepts: Concept[],
  boost: (c: Concept) => number = () => 1,
): Promise<WeightedConcept[]> {
  const flat = concepts.flatMap((c) => c.alternatives);
  const lex = await lexemesOf(db, flat);
  const idf = await idfOf(db, lex.flat());
  const out: WeightedConcept[] = [];
  let k = 0;
  for (const c of concepts) {
    const kept = c.alternatives.map((text) => ({ text, lexemes: lex[k++].filter(meaningful) })).filter((a) => a.lexemes.length);
    if (!kept.length) continue;
    const alts = kept.map((a) => a.lexemes);
    const whole = kept.map((a) => !!c.exact || !/\s/.test(a.text.trim()));
    // A phrase weighs what its words weigh on average; one token ("RFI-016") what its rarest part does.
    const weight = Math.max(
      ...alts.map((a, i) =>
        whole[i] ? Math.max(...a.map((l) => idf.get(l) ?? 0)) : a.reduce((s, l) => s + (idf.get(l) ?? 0), 0) / a.length,
      ),
    );
    // An identifier ("RFI-016", "CO-003") is what the question is about: it weighs double.
    const id = c.alternatives.some((a) => /^[A-Za-z]{1,6}-?\d+[A-Za-z0-9.-]*$/.test(a.trim()));
    // The figure's token is one more way to match it; it weighs nothing of its own (no passage's IDF knows it).
    if (c.token) {
      alts.push([c.token]);
      whole.push(true);
    }
    out.push({ alternatives: alts, whole, weight: (id ? 2 : 1) * boost(c) * weight });
  }
  return out;
}

/** Share of the concepts' weight a passage covers (0–1); a multi-word spelling earns the share of its words present. */
export function coverage(concepts: WeightedConcept[], passage: Set<string>): number {
  const total = concepts.reduce((s, c) => s + c.weight, 0);
  if (total <= 0) return 0;
  let got = 0;
  for (const c of concepts)
    got +=
      c.weight *
      Math.max(
        ...c.alternatives.map((a, i) => {
          const share = a.filter((l) => passage.has(l)).length / a.length;
          return c.whole[i] && share < 1 ? 0 : share;
        }),
      );
  return got / total;
}

/** Which concepts a passage covers fully (to tell whether a second sentence adds anything). */
export function covered(concepts: WeightedConcept[], passage: Set<string>): boolean[] {
  return concepts.map((c) => c.alternatives.some((a) => a.every((l) => passage.has(l))));
}
