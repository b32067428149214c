// The offline answer composer: no model, no network. It answers with the retrieved documents'
// own sentences — the ones that best match the question, ranked by the same English stemming
// and BM25 term weights as the lexical search — kept in document order and each one cited.
// It never writes a sentence the documents do not contain.
import type { Queryable } from '../db/types.js';
import type { DocumentHit } from '../search/types.js';
import type { AnswerSource } from './types.js';
import type { RevisionStanding } from '../revisions/family.js';
import { sourcePlace } from './place.js';

export interface ComposeOptions {
  maxSentences?: number;
  maxChars?: number;
  /** Documents to quote from. */
  maxDocuments?: number;
  /** Each document's standing among its revisions (revisions/family.ts), for the source lines. */
  standings?: Map<string, RevisionStanding>;
}

export interface Composed {
  text: string;
  sources: AnswerSource[];
}

interface Candidate {
  doc: number;
  /** Index of the chunk in its document's hit, so the source can say where the sentence is. */
  chunk: number;
  order: number;
  text: string;
}

const cells = (row: string) => row.replace(/^\s*\|/, '').replace(/\|\s*$/, '').split('|').map((c) => c.replace(/\*\*/g, '').trim());
const ABBREVIATION = /\b(No|Nos|e\.g|i\.e|approx|min|max|Mr|Ms|Dr|St|vs|etc|Fig|Sec|Art|[A-Z])\.$/;

/**
 * Sentences and list items of a chunk, without Markdown furniture. Table rows carry their
 * header ("RFI type: Standard RFI; Architect response time: 7 working days"), and lines that
 * a PDF wrapped mid-sentence are joined again.
 */
export function splitSentences(content: string): string[] {
  const lines: string[] = [];
  let header: string[] | undefined;
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (!line) {
      header = undefined;
      continue;
    }
    if (/^\|?\s*:?-{3,}/.test(line)) continue;
    if (line.startsWith('|')) {
      const row = cells(line);
      if (!header) header = row;
      else lines.push(row.map((c, i) => (header![i] ? `${header![i]}: ${c}` : c)).join('; '));
      continue;
    }
    header = undefined;
    // A wrapped line continues the previous one when it starts in lower case.
    if (lines.length && /^[a-z(]/.test(line) && !/[.!?:]$/.test(lines[lines.length - 1])) lines[lines.length - 1] += ` ${line}`;
    else lines.push(line);
  }
  const out: string[] = [];
  for (let line of lines) {
    if (/^#{1,6}\s/.test(line)) continue;
    line = line
      .replace(/^[-*•]\s+(\[[ xX]\]\s+)?/, '')
      .replace(/^\d+[.)]\s+/, '')
      .replace(/\*\*([^*]+)\*\*/g, '$1')
      .trim();
    let current = '';
    for (const part of line.split(/(?<=[.!?])\s+(?=[A-Z0-9"“(])/)) {
      current = current ? `${current} ${part}` : part;
      if (!ABBREVIATION.test(current)) {
        if (current.length >= 12) out.push(clip(current));
        current = '';
      }
    }
    if (current.length >= 12) out.push(clip(current));
  }
  return out;
}

function clip(s: string, max = 320): string {
  if (s.length <= max) return s;
  const cut = s.lastIndexOf(' ', max);
  return `${s.slice(0, cut > max / 2 ? cut : max)} …`;
}

const NUMERIC_QUESTION = /\b(how (many|much|long|often|far|high|tall|deep|wide|soon)|when|what (date|time|day)|deadline|minimum|maximum|percent|%)\b/i;

export async function composeAnswer(db: Queryable, question: string, docs: DocumentHit[], opts: ComposeOptions = {}): Promise<Composed> {
  const maxSentences = opts.maxSentences ?? 5;
  const maxChars = opts.maxChars ?? 1100;
  const used = docs.slice(0, opts.maxDocuments ?? 4);
  const candidates: Candidate[] = [];
  used.forEach((d, doc) => {
    const seen = new Set<string>();
    d.chunks.slice(0, doc === 0 ? 6 : 2).forEach((c, ci) =>
      splitSentences(c.content).forEach((text, si) => {
        const key = text.toLowerCase();
        if (!seen.has(key)) {
          seen.add(key);
          candidates.push({ doc, chunk: ci, order: ci * 1000 + si, text });
        }
      }),
    );
  });
  if (!candidates.length) return { text: '', sources: [] };

  // Stemming and IDF come from Postgres, so the composer weighs words exactly as the search did.
  const r = await db.query<{ i: number; matched: number; total: number }>(
    `WITH q AS (SELECT DISTINCT l.lexeme FROM unnest(to_tsvector('english', $1)) AS l),
     s AS (SELECT x.t, x.i::int AS i FROM unnest($2::text[]) WITH ORDINALITY AS x(t, i)),
     w AS (SELECT q.lexeme, ln(1 + (greatest(ls.chunks, 1) - coalesce(ts.df, 0) + 0.5) / (coalesce(ts.df, 0) + 0.5)) AS idf
           FROM q LEFT JOIN term_stats ts ON ts.term = q.lexeme CROSS JOIN lexical_stats ls)
     SELECT s.i, coalesce(sum(w.idf) FILTER (WHERE w.lexeme = ANY (tsvector_to_array(to_tsvector('english', s.t)))), 0)::float8 AS matched,
            (SELECT coalesce(sum(idf), 0) FROM w)::float8 AS total
     FROM s CROSS JOIN w GROUP BY s.i ORDER BY s.i`,
    [question, candidates.map((c) => c.text)],
  );
  const numeric = NUMERIC_QUESTION.test(question);
  const scored = candidates.map((c, i) => {
    const row = r.rows.find((x) => x.i === i + 1);
    const overlap = row && row.total > 0 ? row.matched / row.total : 0;
    const bonus = 0.15 / (c.doc + 1) + (numeric && /\d/.test(c.text) ? 0.1 : 0) - (c.text.length > 300 ? 0.05 : 0);
    return { ...c, overlap, score: overlap + bonus };
  });
  const anyOverlap = scored.some((s) => s.overlap > 0);
  // With no word in common (a paraphrase found by the dense leg only), the best chunk's opening is the honest quote.
  const bestOverlap = Math.max(...scored.map((s) => s.overlap));
  // Sentences far weaker than the best one are noise around the answer, not part of it.
  const ranked = anyOverlap
    ? scored.filter((s) => s.overlap > 0 && s.overlap >= 0.5 * bestOverlap).sort((a, b) => b.score - a.score)
    : scored.filter((s) => s.doc === 0);
  const picked: typeof scored = [];
  let chars = 0;
  for (const s of ranked) {
    if (picked.length >= maxSentences || (picked.length && chars + s.text.length > maxChars)) continue;
    if (picked.filter((p) => p.doc === s.doc).length >= 3) continue;
    picked.push(s);
    chars += s.text.length;
  }
  picked.sort((a, b) => a.doc - b.doc || a.order - b.order);

  const numberOf = new Map<number, number>();
  for (const p of picked) if (!numberOf.has(p.doc)) numberOf.set(p.doc, numberOf.size + 1);
  const lines = picked.map((p) => `• ${p.text.replace(/\s+/g, ' ')} [${numberOf.get(p.doc)}]`);
  const sources: AnswerSource[] = [...numberOf].map(([doc, n]) => {
    const d = used[doc];
    const quoted = [...new Set(picked.filter((p) => p.doc === doc).map((p) => p.chunk))].map((ci) => d.chunks[ci]);
    return {
      n, documentId: d.documentId, title: d.title, path: d.path, score: d.score,
      snippet: picked.filter((p) => p.doc === doc).map((p) => p.text).join(' … ').slice(0, 300),
      ...sourcePlace(d, quoted, opts.standings?.get(d.documentId)),
    };
  });
  const intro = sources.length === 1 ? `From **${sources[0].title}**:` : 'From the documents:';
  return { text: `${intro}\n${lines.join('\n')}`, sources };
}
