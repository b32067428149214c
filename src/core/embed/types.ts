/** The Embedder seam: raw text → vectors. Caching lives in cache.ts, around any Embedder. */
export interface Embedder {
  /** Recorded with every vector (embedding_space.model, embeddings_cache.model), e.g. "local:use-lite". */
  readonly id: string;
  readonly dimensions: number;
  /** What the model handles well; the chunker sizes chunks from it. */
  readonly maxInputTokens: number;
  /** One vector per text, same order. No caching here. */
  embed(texts: string[]): Promise<number[][]>;
  /**
   * Starts loading the model now, off the main thread where it can, so that it is ready by the time
   * the first text comes (a one-shot command opens its database meanwhile). Optional: a remote API has nothing to load.
   */
  warm?(): void;
  /** Releases what the embedder holds (the local one's worker threads), so a finished command exits. */
  close?(): Promise<void>;
}
