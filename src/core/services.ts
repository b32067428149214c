// Builds the product's services from configuration: the one place where the embedded default
// and the real services are chosen. Bot, jobs and CLI receive these; core modules receive only
// the pieces they need.
import type { Config } from '../config.js';
import { loggerFromConfig, type Logger } from './log.js';
import { openDatabase, type Database } from './db/index.js';
import { migrate } from './db/migrate.js';
import type { Embedder } from './embed/types.js';
import { createEmbedder } from './embed/index.js';
import { ensureEmbeddingSpace } from './embed/space.js';
import { CachedEmbedder } from './embed/cache.js';
import { HybridSearcher, searchSettings } from './search/search.js';
import { createReranker } from './search/rerank/index.js';
import { createAnswerer } from './answer/index.js';
import type { RagAnswerer } from './answer/rag.js';
import type { IngestDeps } from './ingest/index.js';
import type { OcrSettings } from './ocr/settings.js';

export interface Services {
  config: Config;
  logger: Logger;
  db: Database;
  embedder: Embedder;
  /** The embedder behind the Postgres cache: what ingest and search use. */
  cachedEmbedder: CachedEmbedder;
  searcher: HybridSearcher;
  answerer: RagAnswerer;
  close(): Promise<void>;
}

export async function createServices(
  config: Config,
  opts: { logger?: Logger; migrate?: boolean; oneShot?: boolean } = {},
): Promise<Services> {
  const logger = opts.logger ?? loggerFromConfig(config);
  const embedder = createEmbedder(config, { oneShot: opts.oneShot });
  // A one-shot command's model loads on another core while this one opens the database (both take
  // about half a second): by the first embedding it is ready. Unused (a cached query), it costs no wait.
  if (opts.oneShot) embedder.warm?.();
  let db: Database;
  try {
    db = await openDatabase(config, { brief: opts.oneShot });
  } catch (e) {
    await embedder.close?.().catch(() => {});
    throw e;
  }
  try {
    if (opts.migrate !== false) await migrate(db, { onApply: (m) => logger.info({ migration: m.file }, 'migration applied') });
    await ensureEmbeddingSpace(db, embedder);
    const cachedEmbedder = new CachedEmbedder(db, embedder);
    const searcher = new HybridSearcher(db, cachedEmbedder, searchSettings(config), logger, createReranker(config));
    const answerer = createAnswerer({ config, db, searcher, logger });
    const close = async () => {
      await searcher.log.flush();
      await embedder.close?.();
      await db.close();
    };
    return { config, logger, db, embedder, cachedEmbedder, searcher, answerer, close };
  } catch (e) {
    await embedder.close?.().catch(() => {});
    await db.close().catch(() => {});
    throw e;
  }
}

/** What the ingest pipeline needs from the services (chunk sizes from configuration). */
export function ingestDeps(s: Pick<Services, 'config' | 'db' | 'cachedEmbedder' | 'logger'>): IngestDeps {
  return {
    db: s.db,
    embedder: s.cachedEmbedder,
    logger: s.logger,
    chunkTokens: s.config.CHUNK_TOKENS,
    chunkOverlap: s.config.CHUNK_OVERLAP,
    maxFileMb: s.config.INGEST_MAX_FILE_MB,
    ocr: ocrSettings(s.config),
  };
}

export function ocrSettings(
  c: Pick<Config, 'OCR_ENABLED' | 'OCR_IMAGES' | 'OCR_MAX_PAGES' | 'OCR_TIME_BUDGET_MS' | 'OCR_DPI'>,
): OcrSettings {
  return { enabled: c.OCR_ENABLED, images: c.OCR_IMAGES, maxPages: c.OCR_MAX_PAGES, timeBudgetMs: c.OCR_TIME_BUDGET_MS, dpi: c.OCR_DPI };
}
