// Hybrid retrieval: embed the query (through the cache), run search_chunks (SQL: BM25 + HNSW,
// fused over the union of both legs), then group chunk hits into documents for answering.
import { parseConfig, type Config } from '../../config.js';
import type { Database } from '../db/types.js';
import { toVector } from '../db/vector.js';
import type { CachedEmbedder } from '../embed/cache.js';
import type { Logger } from '../log.js';
import type { Location } from '../location.js';
import { BackgroundWriter, insertQueryLog } from './query-log.js';
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
}

/** Chunks kept per document when grouping: answers quote from up to this many per document. */
const CHUNKS_PER_DOCUMENT = 6;

/** The search settings come from configuration only (SEARCH_*), so the defaults live in one place: the schema. */
export function searchSettings(config: Pick<Config, 'SEARCH_FUSION' | 'SEARCH_DENSE_WEIGHT' | 'SEARCH_RRF_K' | 'SEARCH_EF_SEARCH' | 'SEARCH_CANDIDATES' | 'SEARCH_MATCH_COUNT'>): SearchSettings {
  return {
    fusion: config.SEARCH_FUSION, denseWeight: config.SEARCH_DENSE_WEIGHT, rrfK: config.SEARCH_RRF_K, efSearch: config.SEARCH_EF_SEARCH,
    candidates: config.SEARCH_CANDIDATES, matchCount: config.SEARCH_MATCH_COUNT, chunksPerDocument: CHUNKS_PER_DOCUMENT,
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
    logger?: Logger,
  ) {
    this.log = new BackgroundWriter(logger);
  }

  async search(query: string, opts: SearchOptions = {}): Promise<SearchResult> {
    const t0 = performance.now();
    const mode = opts.mode ?? 'hybrid';
    const matchCount = opts.matchCount ?? this.settings.matchCount;
    const queryEmbedding = mode === 'lexical' ? [] : await this.embedder.embedQuery(query);
    const t1 = performance.now();
    const { chunkLimit, candidates } = chunkBudget(this.settings, matchCount);
    const r = await this.db.query<Row>(
      `SELECT s.chunk_id, s.document_id, s.score, s.dense_rank, s.dense_score, s.lexical_rank, s.lexical_score, s.coverage,
              c.chunk_index, c.content, c.context, d.file_id, d.title, d.url, d.file_path, d.category, d.doc_type,
              c.location, c.metadata AS chunk_metadata, d.mime_type, d.revision, d.revision_base, to_char(d.stated_date, 'YYYY-MM-DD') AS stated_date, d.modified_at
       FROM search_chunks($1, $2::vector, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) s
       JOIN chunks c ON c.id = s.chunk_id JOIN documents d ON d.id = s.document_id
       ORDER BY s.score DESC, s.chunk_id`,
      [
        query, queryEmbedding.length ? toVector(queryEmbedding) : null, chunkLimit, mode, this.settings.fusion,
        this.settings.denseWeight, this.settings.rrfK, candidates, this.settings.efSearch,
        ...filterArgs(opts.filters),
      ],
    );
    const t2 = performance.now();
    const chunks: ChunkHit[] = r.rows.map((x) => ({
      chunkId: x.chunk_id, documentId: x.document_id, chunkIndex: x.chunk_index, content: x.content, context: x.context,
      score: x.score, coverage: x.coverage,
      denseRank: x.dense_rank ?? undefined, denseScore: x.dense_score ?? undefined,
      lexicalRank: x.lexical_rank ?? undefined, lexicalScore: x.lexical_score ?? undefined,
      ...(x.location ? { location: x.location } : {}),
      ...(x.chunk_metadata?.headingPath?.length ? { headingPath: x.chunk_metadata.headingPath } : {}),
    }));
    const documents = groupByDocument(r.rows, chunks, this.settings.chunksPerDocument)
      .filter((d) => d.score >= (opts.minScore ?? 0))
      .slice(0, matchCount);
    const t3 = performance.now();
    const timings = { embedMs: t1 - t0, searchMs: t2 - t1, groupMs: t3 - t2, totalMs: t3 - t0 };
    if (opts.log !== false)
      this.log.run('search log', () =>
        insertQueryLog(this.db, {
          kind: 'search', queryText: query, embedding: queryEmbedding.length ? toVector(queryEmbedding) : null,
          resultsCount: documents.length, executionMs: timings.totalMs, userId: opts.userId, sessionId: opts.sessionId,
          filters: opts.filters ?? null, timings,
        }),
      );
    return { documents, chunks, queryEmbedding, timings };
  }
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
        documentId: row.document_id, fileId: row.file_id, title: row.title, url: row.url, path: row.file_path,
        category: row.category, docType: row.doc_type, score: row.score, chunks: [],
        mimeType: row.mime_type, revision: row.revision, revisionBase: row.revision_base, statedDate: row.stated_date, modifiedAt: row.modified_at,
      };
      byDoc.set(row.document_id, doc);
      seen.set(row.document_id, new Set());
    }
    const texts = seen.get(row.document_id)!;
    const norm = chunks[i].content.replace(/\s+/g, ' ').trim().toLowerCase();
    if (doc.chunks.length < perDocument && !texts.has(norm)) {
      texts.add(norm);
      doc.chunks.push(chunks[i]);
    }
  });
  return [...byDoc.values()];
}
