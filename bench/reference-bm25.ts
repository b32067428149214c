// A reference BM25 for the eval, independent of our SQL: whole documents (title + text), words
// lower-cased and stemmed with Snowball English (porter2, the stemmer Xapian's "english" uses),
// no stopword list, and Xapian's BM25Weight formulas (bm25weight.cc, 1.4) with k1 1.2, b 0.75,
// k3 1 (query-term frequency: a word said twice in the question weighs (k3+1)·2/(k3+2) = 1.33×),
// min_normlen 0.5, and Xapian's clamp for terms in more than a third of the documents. This is
// the figure the lexical leg is held against (issue 16: ≥ 0.97× on every judged set).
import { stem } from 'porter2';

export interface Bm25Params {
  k1: number;
  b: number;
  k3: number;
  minNormLen: number;
}
export const XAPIAN_LIKE: Bm25Params = { k1: 1.2, b: 0.75, k3: 1, minNormLen: 0.5 };

/** Xapian's TermGenerator splits on anything that is not a letter or digit (apostrophes join). */
export function terms(text: string): string[] {
  return (text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu) ?? []).map((w) => stem(w.replace(/'/g, '')));
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
      const ts = terms(text);
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
    for (const t of terms(query)) qtf.set(t, (qtf.get(t) ?? 0) + 1);
    const n = this.ids.length;
    const { k1, b, k3, minNormLen } = this.p;
    const scores = new Map<number, number>();
    for (const [t, wqf] of qtf) {
      const list = this.postings.get(t);
      if (!list) continue;
      let tw = (n - list.length + 0.5) / (list.length + 0.5);
      if (tw < 2) tw = tw * 0.5 + 1;
      const termWeight = Math.log(tw) * (k3 ? ((k3 + 1) * wqf) / (k3 + wqf) : 1);
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
