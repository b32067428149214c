/** The Reranker seam: re-scores the fused top passages against the question (a cross-encoder). */
export interface Reranker {
  /** e.g. "http:rerank-english-v3.0", recorded in logs. */
  readonly id: string;
  /** A relevance score per text (higher is better), in the texts' order. */
  score(query: string, texts: string[]): Promise<number[]>;
}
