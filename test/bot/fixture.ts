// A real answer engine over a small ingested knowledge base: PGlite in memory, a deterministic
// hash embedder (no model download), BM25 + dense search, and the offline composer. Shared by the
// bot tests and bench/slack.ts.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseConfig, type Config } from '../../src/config.js';
import { createAnswerer } from '../../src/core/answer/index.js';
import type { Answerer } from '../../src/core/answer/types.js';
import type { Database } from '../../src/core/db/types.js';
import { EmbeddedDatabase } from '../../src/core/db/embedded.js';
import { migrate } from '../../src/core/db/migrate.js';
import { CachedEmbedder } from '../../src/core/embed/cache.js';
import { ensureEmbeddingSpace } from '../../src/core/embed/space.js';
import type { Embedder } from '../../src/core/embed/types.js';
import { ingest } from '../../src/core/ingest/index.js';
import { createLogger, type Logger } from '../../src/core/log.js';
import { searchSettings } from '../../src/core/search/search.js';
import { HybridSearcher } from '../../src/core/search/search.js';
import { FolderSource } from '../../src/core/sources/folder.js';

class HashEmbedder implements Embedder {
  readonly id = 'hash-test';
  readonly dimensions = 32;
  readonly maxInputTokens = 256;
  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => {
      const v: number[] = [];
      for (let i = 0; v.length < this.dimensions; i++)
        for (const b of createHash('sha256').update(`${i}|${t}`).digest()) if (v.length < this.dimensions) v.push(b / 255 - 0.5);
      const n = Math.hypot(...v) || 1;
      return v.map((x) => x / n);
    });
  }
}

export const KB: Record<string, string> = {
  'safety/hot-work-permits.md':
    '# Hot work permits\n\nA hot work permit is valid for one shift and never longer than eight hours. The site superintendent signs every hot work permit before welding, cutting or grinding starts. A fire watch stays on the area for sixty minutes after hot work ends.\n',
  'procedures/rfi-procedure.md':
    '# RFI procedure\n\nRequests for information are logged by the project engineer and answered by the architect within five working days. Urgent RFIs that stop work are answered the same day by phone and confirmed in writing.\n',
  'project/site-notices.md':
    '# Site notices <!here>\n\nThe tower crane inspection notice is posted to <!channel> every Monday at 7am, and <@U999ALL> keeps the inspection key. Crane inspection results go into the equipment log the same day.\n',
};

export interface Fixture {
  db: Database;
  answerer: Answerer;
  logger: Logger;
  config: Config;
  dir: string;
  close(): Promise<void>;
}

export function slackConfig(env: Record<string, string | undefined>): Config {
  return parseConfig({ EMBEDDING_PROVIDER: 'local', ANSWER_PROVIDER: 'composer', LOG_LEVEL: 'silent', ...env });
}

export async function startFixture(env: Record<string, string | undefined> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'trajanus-bot-'));
  for (const [path, text] of Object.entries(KB)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const db = await EmbeddedDatabase.open();
  await migrate(db);
  const embedder = new HashEmbedder();
  await ensureEmbeddingSpace(db, embedder);
  const summary = await ingest({ db, embedder }, new FolderSource(dir));
  if (summary.added !== Object.keys(KB).length) throw new Error(`fixture ingest: ${JSON.stringify(summary)}`);
  const config = slackConfig(env);
  const logger = createLogger(process.env.LOG_LEVEL ?? 'silent');
  const searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder), searchSettings(config), logger);
  const answerer = createAnswerer({ config, db, searcher, logger });
  return {
    db,
    answerer,
    logger,
    config,
    dir,
    async close() {
      await searcher.log.flush();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
