/** Retrieval contract shared by the answer step, the CLI and the eval harness. */
import type { AccessScope } from '../access/scope.js';

export interface SearchFilters {
  category?: string | string[];
  docType?: string | string[];
  /** documents.modified_at (falls back to updated_at) within [after, before]. */
  modifiedAfter?: Date;
  modifiedBefore?: Date;
}

import type { Location } from '../location.js';

export interface ChunkHit {
  chunkId: string;
  documentId: string;
  chunkIndex: number;
  content: string;
  /** "Title › Heading" the chunk sits under. */
  context: string;
  /** Fused score in [0, 1] (higher is better). */
  score: number;
  denseRank?: number;
  lexicalRank?: number;
  denseScore?: number;
  lexicalScore?: number;
  /** Share of the query's IDF mass this chunk matches (0–1): how well it covers the question's words. */
  coverage: number;
  /** Page(s), tab and rows, or slide of the chunk; absent for formats without them. */
  location?: Location;
  /** Heading path of the chunk within its document. */
  headingPath?: string[];
  /** 0–1, comparable across queries (relevance.ts): word coverage and closeness in meaning. */
  relevance: number;
  /** The reranker's score, when one re-ordered the passages. */
  rerankScore?: number;
}

export interface DocumentHit {
  documentId: string;
  fileId: string;
  title: string;
  url: string | null;
  path: string | null;
  category: string | null;
  docType: string | null;
  mimeType?: string | null;
  /** The revision mark the document states ("Rev D"), its stated date (yyyy-mm-dd) and the source's modification time. */
  revision?: string | null;
  statedDate?: string | null;
  modifiedAt?: Date | null;
  /** Title without its revision mark (with `path`, the revision family). */
  revisionBase?: string | null;
  /** The best chunk's score (fused, scaled to this query's best hit: compare within one result only). */
  score: number;
  /** The best relevance among its chunks: 0–1 and comparable across queries (show this one). */
  relevance: number;
  /** Best chunks of this document, best first, deduplicated. */
  chunks: ChunkHit[];
}

export interface SearchOptions {
  /** Who reads the results: only documents every reader may open are searched. Required: no default widens it. */
  access: AccessScope;
  filters?: SearchFilters;
  /** Documents to return (default SEARCH_MATCH_COUNT). */
  matchCount?: number;
  /** Drop documents whose score is below this. */
  minScore?: number;
  /** Which legs to use (eval compares them); default 'hybrid'. */
  mode?: 'hybrid' | 'dense' | 'lexical';
  /** Log the search to `queries` (default true); the answer step logs its own row instead. */
  log?: boolean;
  userId?: string;
  sessionId?: string;
}

export interface SearchResult {
  documents: DocumentHit[];
  /** All fused chunk hits, best first (before grouping). */
  chunks: ChunkHit[];
  queryEmbedding: number[];
  timings: { embedMs: number; searchMs: number; groupMs: number; totalMs: number; rerankMs?: number };
  /**
   * Set when a stage failed and the search went on without it: the query could not be embedded
   * (embeddings API down) and only the lexical leg ran, or the reranker failed and the fused order
   * was kept. Callers should say so to the user.
   */
  degraded?: { lexicalOnly?: string; rerank?: string };
}

export interface Searcher {
  search(query: string, opts: SearchOptions): Promise<SearchResult>;
}
