import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { Database } from '../../src/core/db/types.js';
import type { CachedEmbedder } from '../../src/core/embed/cache.js';
import { createLogger } from '../../src/core/log.js';
import { driveReingestJob } from '../../src/jobs/drive-reingest.js';
import type { Notifier, NotifierMessage } from '../../src/jobs/notify.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { migratedMemoryDb } from '../helpers/db.js';

const logger = createLogger('silent');
let db: Database;
beforeAll(async () => {
  db = await migratedMemoryDb();
});
afterAll(() => db.close());

// The Drive paths themselves (listing, changes, fallback) are tested in test/core/sources with the
// fake Drive server; here only what the job adds: the not-configured skip and the alert on misconfiguration.
const embedder = {} as CachedEmbedder; // never reached in these cases

describe('drive-reingest job', () => {
  it('skips quietly when no Drive folder or shared drive is configured', async () => {
    const messages: NotifierMessage[] = [];
    const notifier: Notifier = { post: async (m) => void messages.push(m) };
    const s = new Scheduler({ db, notifier, logger }).register(driveReingestJob({ config: parseConfig({}), db, cachedEmbedder: embedder, logger }));
    expect(await s.runNow('drive-reingest')).toMatchObject({ status: 'ok', summary: { skipped: 'drive not configured' } });
    expect(messages).toEqual([]);
  });

  it('fails, and alerts, when folder ids are set without credentials', async () => {
    const messages: NotifierMessage[] = [];
    const notifier: Notifier = { post: async (m) => void messages.push(m) };
    const config = parseConfig({ DRIVE_FOLDER_IDS: 'abc' });
    const s = new Scheduler({ db, notifier, logger, host: 'h' }).register(driveReingestJob({ config, db, cachedEmbedder: embedder, logger }));
    const outcome = await s.runNow('drive-reingest');
    expect(outcome.status).toBe('failed');
    expect(messages[0]!.text).toMatch(/^Job drive-reingest failed on h: Drive: set GOOGLE_SERVICE_ACCOUNT_JSON/);
  });
});
