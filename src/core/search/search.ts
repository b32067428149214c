// Hybrid retrieval: embed the query (through the cache), run search_chunks (SQL: BM25 + HNSW,
// fused over the union of both legs), then group chunk hits into documents for answering.
import { parseConfig, type Config } from '../../config.js';
import { sqlScope } from '../access/scope.js';
import type { Database } from '../db/types.js';
import { embeddingText } from '../chunk.js';
import { toVector } from '../db/vector.js';
import type { CachedEmbedder } from '../embed/cache.js';
import type { Logger } from '../log.js';
import type { Location } from '../location.js';
import { BackgroundWriter, insertQueryLog } from './query-log.js';
import { chunkRelevance } from './relevance.js';
import type { Reranker } from './rerank/types.js';
import type { ChunkHit, DocumentHit, SearchFilters, SearchOptions, SearchResult, Searcher } from './types.js';

export interface SearchSettings {
  fusion: 'rrf' | 'weighted';
  denseWeight: number;
  rrfK: number;
  efSearch: number;
  candidates: number;
  matchCount: number;
  /** Chunks kept per document when grouping. */
  chunksPerDocument: number;
  /** Fused passages the reranker (when there is one) re-scores. */
  rerankCandidates: number;
}

/** Chunks kept per document when grouping: answers quote from up to this many per document. */
const CHUNKS_PER_DOCUMENT = 6;

/** The search settings come from configuration only (SEARCH_*), so the defaults live in one place: the schema. */
export function searchSettings(
  config: Pick<
    Config,
    | 'SEARCH_FUSION'
    | 'SEARCH_DENSE_WEIGHT'
    | 'SEARCH_RRF_K'
    | 'SEARCH_EF_SEARCH'
    | 'SEARCH_CANDIDATES'
    | 'SEARCH_MATCH_COUNT'
    | 'RERANK_CANDIDATES'
  >,
): SearchSettings {
  return {
    fusion: config.SEARCH_FUSION,
    denseWeight: config.SEARCH_DENSE_WEIGHT,
    rrfK: config.SEARCH_RRF_K,
    efSearch: config.SEARCH_EF_SEARCH,
    candidates: config.SEARCH_CANDIDATES,
    matchCount: config.SEARCH_MATCH_COUNT,
    chunksPerDocument: CHUNKS_PER_DOCUMENT,
    rerankCandidates: config.RERANK_CANDIDATES,
  };
}

/** The settings of an unconfigured install (the schema's defaults). */
export const DEFAULT_SEARCH_SETTINGS: SearchSettings = searchSettings(parseConfig({}));

/**
 * How many fused chunk rows to ask search_chunks for, and how many candidates each leg fetches,
 * to fill `matchCount` documents with up to chunksPerDocument chunks each.
 */
export function chunkBudget(settings: SearchSettings, matchCount: number): { chunkLimit: number; candidates: number } {
  const chunkLimit = Math.max(matchCount * settings.chunksPerDocument * 4, 1);
  return { chunkLimit, candidates: Math.max(settings.candidates, chunkLimit) };
}

interface Row {
  chunk_id: string;
  document_id: string;
  score: number;
  dense_rank: number | null;
  dense_score: number | null;
  lexical_rank: number | null;
  lexical_score: number | null;
  coverage: number;
  chunk_index: number;
  content: string;
  context: string;
  file_id: string;
  title: string;
  url: string | null;
  file_path: string | null;
  category: string | null;
  doc_type: string | null;
  location: Location | null;
  chunk_metadata: { headingPath?: string[] } | null;
  mime_type: string | null;
  revision: string | null;
  revision_base: string | null;
  stated_date: string | null;
  modified_at: Date | null;
}

const asArray = (v: string | string[] | undefined) => (v === undefined ? null : Array.isArray(v) ? (v.length ? v : null) : [v]);

/** Builds the positional arguments of search_chunks' filter parameters. */
export function filterArgs(f: SearchFilters = {}): [string[] | null, string[] | null, Date | null, Date | null] {
  return [asArray(f.category), asArray(f.docType), f.modifiedAfter ?? null, f.modifiedBefore ?? null];
}

export class HybridSearcher implements Searcher {
  readonly log: BackgroundWriter;

  constructor(
    private readonly db: Database,
    private readonly embedder: CachedEmbedder,
    readonly settings: SearchSettings = DEFAULT_SEARCH_SETTINGS,
    private readonly logger?: Logger,
    private readonly reranker?: Reranker,
  ) {
    this.log = new BackgroundWriter(logger);
  }

  async search(query: string, opts: SearchOptions): Promise<SearchResult> {
    const t0 = performance.now();
    let mode = opts.mode ?? 'hybrid';
    const matchCount = opts.matchCount ?? this.settings.matchCount;
    const degraded: NonNullable<SearchResult['degraded']> = {};
    let queryEmbedding: number[] = [];
    if (mode !== 'lexical') {
      try {
        queryEmbedding = await this.embedder.embedQuery(query);
      } catch (e) {
        // The embeddings API being down must not take questions down with it: the lexical leg
        // alone still answers most of them (it is the stronger leg on every judged set).
        if (mode === 'dense') throw e;
        mode = 'lexical';
        degraded.lexicalOnly = `the question could not be embedded (${(e as Error).message}); keyword search only`;
        this.logger?.warn({ err: e }, 'query embedding failed: searching with the lexical leg only');
      }
    }
    const t1 = performance.now();
    const { chunkLimit, candidates } = chunkBudget(this.settings, matchCount);
    const r = await this.db.query<Row>(
      `SELECT s.chunk_id, s.document_id, s.score, s.dense_rank, s.dense_score, s.lexical_rank, s.lexical_score, s.coverage,
              c.chunk_index, c.content, c.context, d.file_id, d.title, d.url, d.file_path, d.category, d.doc_type,
              c.location, c.metadata AS chunk_metadata, d.mime_type, d.revision, d.revision_base, to_char(d.stated_date, 'YYYY-MM-DD') AS stated_date, d.modified_at
       FROM search_chunks($1, $2::vector, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::text[]) s
       JOIN chunks c ON c.id = s.chunk_id JOIN documents d ON d.id = s.document_id
       ORDER BY s.score DESC, s.chunk_id`,
      [
        query,
        queryEmbedding.length ? toVector(queryEmbedding) : null,
        chunkLimit,
        mode,
        this.settings.fusion,
        this.settings.denseWeight,
        this.settings.rrfK,
        candidates,
        this.settings.efSearch,
        ...filterArgs(opts.filters),
        sqlScope(opts.access),
      ],
    );
    const t2 = performance.now();
    let rows = r.rows;
    let chunks: ChunkHit[] = rows.map((x) => {
      const hit: ChunkHit = {
        chunkId: x.chunk_id,
        documentId: x.document_id,
        chunkIndex: x.chunk_index,
        content: x.content,
        context: x.context,
        score: x.score,
        coverage: x.coverage,
        relevance: 0,
        denseRank: x.dense_rank ?? undefined,
        denseScore: x.dense_score ?? undefined,
        lexicalRank: x.lexical_rank ?? undefined,
        lexicalScore: x.lexical_score ?? undefined,
        ...(x.location ? { location: x.location } : {}),
        ...(x.chunk_metadata?.headingPath?.length ? { headingPath: x.chunk_metadata.headingPath } : {}),
      };
      hit.relevance = chunkRelevance(hit);
      return hit;
    });
    let rerankMs: number | undefined;
    if (this.reranker && chunks.length > 1) {
      const tr = performance.now();
      try {
        ({ rows, chunks } = await rerank(this.reranker, query, rows, chunks, this.settings.rerankCandidates));
      } catch (e) {
        degraded.rerank = (e as Error).message;
        this.logger?.warn({ err: e }, 'rerank failed: keeping the fused order');
      }
      rerankMs = performance.now() - tr;
    }
    const t3 = performance.now();
    const documents = groupByDocument(rows, chunks, this.settings.chunksPerDocument)
      .filter((d) => d.score >= (opts.minScore ?? 0))
      .slice(0, matchCount);
    const t4 = performance.now();
    const timings = {
      embedMs: t1 - t0,
      searchMs: t2 - t1,
      ...(rerankMs === undefined ? {} : { rerankMs }),
      groupMs: t4 - t3,
      totalMs: t4 - t0,
    };
    if (opts.log !== false)
      this.log.run('search log', () =>
        insertQueryLog(this.db, {
          kind: 'search',
          queryText: query,
          embedding: queryEmbedding.length ? toVector(queryEmbedding) : null,
          resultsCount: documents.length,
          executionMs: timings.totalMs,
          userId: opts.userId,
          sessionId: opts.sessionId,
          filters: opts.filters ?? null,
          timings,
        }),
      );
    return { documents, chunks, queryEmbedding, timings, ...(Object.keys(degraded).length ? { degraded } : {}) };
  }
}

/**
 * The reranker re-orders the fused top `candidates` passages by its own score (the rest keep their
 * fused order after them). The fused score stays what it was; the new order is the ranking.
 */
async function rerank(reranker: Reranker, query: string, rows: Row[], chunks: ChunkHit[], candidates: number) {
  const n = Math.min(candidates, chunks.length);
  const scores = await reranker.score(query, chunks.slice(0, n).map(embeddingText));
  const order = scores
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.i);
  for (let i = n; i < chunks.length; i++) order.push(i);
  order.slice(0, n).forEach((i) => (chunks[i].rerankScore = scores[i]));
  return { rows: order.map((i) => rows[i]), chunks: order.map((i) => chunks[i]) };
}

/** Best chunks per document, documents in the order of their best chunk; duplicate passages dropped. */
export function groupByDocument(rows: Row[], chunks: ChunkHit[], perDocument: number): DocumentHit[] {
  const byDoc = new Map<string, DocumentHit>();
  // Each passage is normalised once; a document's set answers "seen this text already?".
  const seen = new Map<string, Set<string>>();
  rows.forEach((row, i) => {
    let doc = byDoc.get(row.document_id);
    if (!doc) {
      doc = {
        documentId: row.document_id,
        fileId: row.file_id,
        title: row.title,
        url: row.url,
        path: row.file_path,
        category: row.category,
        docType: row.doc_type,
        score: row.score,
        relevance: chunks[i].relevance,
        chunks: [],
        mimeType: row.mime_type,
        revision: row.revision,
        revisionBase: row.revision_base,
        statedDate: row.stated_date,
        modifiedAt: row.modified_at,
      };
      byDoc.set(row.document_id, doc);
      seen.set(row.document_id, new Set());
    }
    doc.relevance = Math.max(doc.relevance, chunks[i].relevance);
    const texts = seen.get(row.document_id)!;
    const norm = chunks[i].content.replace(/\s+/g, ' ').trim().toLowerCase();
    if (doc.chunks.length < perDocument && !texts.has(norm)) {
      texts.add(norm);
      doc.chunks.push(chunks[i]);
    }
  });
  return [...byDoc.values()];
}
