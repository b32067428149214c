// Reference BM25s for the eval, independent of our SQL: whole documents (title + text), words
// lower-cased and stemmed with Snowball English (porter2, the stemmer Xapian's "english" uses).
//   XAPIAN_LIKE: no stopword list, Xapian's BM25Weight formulas (bm25weight.cc, 1.4) with k1 1.2,
//     b 0.75, k3 1 (query-term frequency: a word said twice weighs (k3+1)·2/(k3+2) = 1.33×),
//     min_normlen 0.5, and Xapian's clamp for terms in more than a third of the documents.
//   LUCENE_LIKE: Lucene's EnglishAnalyzer stopword set, Lucene's BM25Similarity idf
//     ln(1 + (N − n + 0.5)/(n + 0.5)), k1 1.2, b 0.75, and a repeated query word counted as often
//     as it is said (a BooleanQuery of its term clauses).
// The eval holds the lexical leg against the better of the two on each set (issue 16: ≥ 0.97×).
import { stem } from 'porter2';

export interface Bm25Params {
  k1: number;
  b: number;
  /** Query-term frequency saturation; 'linear' counts a repeated word as often as it is said. */
  k3: number | 'linear';
  minNormLen: number;
  idf: 'xapian' | 'lucene';
  stopwords: ReadonlySet<string>;
}
// org.apache.lucene.analysis.en.EnglishAnalyzer.ENGLISH_STOP_WORDS_SET
const LUCENE_STOP = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
);
export const XAPIAN_LIKE: Bm25Params = { k1: 1.2, b: 0.75, k3: 1, minNormLen: 0.5, idf: 'xapian', stopwords: new Set() };
export const LUCENE_LIKE: Bm25Params = { k1: 1.2, b: 0.75, k3: 'linear', minNormLen: 0, idf: 'lucene', stopwords: LUCENE_STOP };

/** Xapian's TermGenerator splits on anything that is not a letter or digit (apostrophes join). */
export function terms(text: string, stopwords: ReadonlySet<string> = new Set()): string[] {
  const words =
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu) ?? [];
  return words.filter((w) => !stopwords.has(w)).map((w) => stem(w.replace(/'/g, '')));
}

export class ReferenceBm25 {
  private readonly postings = new Map<string, { doc: number; tf: number }[]>();
  private readonly lengths: number[] = [];
  private readonly ids: string[] = [];
  private avgLen = 1;

  constructor(
    docs: Iterable<[id: string, text: string]>,
    private readonly p: Bm25Params = XAPIAN_LIKE,
  ) {
    for (const [id, text] of docs) {
      const doc = this.ids.length;
      this.ids.push(id);
      const tf = new Map<string, number>();
      const ts = terms(text, p.stopwords);
      for (const t of ts) tf.set(t, (tf.get(t) ?? 0) + 1);
      this.lengths.push(ts.length);
      for (const [t, n] of tf) {
        let list = this.postings.get(t);
        if (!list) this.postings.set(t, (list = []));
        list.push({ doc, tf: n });
      }
    }
    this.avgLen = Math.max(this.lengths.reduce((a, b) => a + b, 0) / Math.max(this.ids.length, 1), 1);
  }

  /** Documents by descending BM25 score, ties by id (stable across runs). */
  search(query: string, k = 100): { id: string; score: number }[] {
    const qtf = new Map<string, number>();
    for (const t of terms(query, this.p.stopwords)) qtf.set(t, (qtf.get(t) ?? 0) + 1);
    const n = this.ids.length;
    const { k1, b, k3, minNormLen } = this.p;
    const scores = new Map<number, number>();
    for (const [t, wqf] of qtf) {
      const list = this.postings.get(t);
      if (!list) continue;
      let idf: number;
      if (this.p.idf === 'lucene') idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
      else {
        let tw = (n - list.length + 0.5) / (list.length + 0.5);
        if (tw < 2) tw = tw * 0.5 + 1;
        idf = Math.log(tw);
      }
      const termWeight = idf * (k3 === 'linear' ? wqf : k3 ? ((k3 + 1) * wqf) / (k3 + wqf) : 1);
      for (const { doc, tf } of list) {
        const norm = Math.max(this.lengths[doc] / this.avgLen, minNormLen);
        const w = (termWeight * (k1 + 1) * tf) / (k1 * (1 - b + b * norm) + tf);
        scores.set(doc, (scores.get(doc) ?? 0) + w);
      }
    }
    return [...scores]
      .sort((a, b2) => b2[1] - a[1] || (this.ids[a[0]] < this.ids[b2[0]] ? -1 : 1))
      .slice(0, k)
      .map(([doc, score]) => ({ id: this.ids[doc], score }));
  }
}
