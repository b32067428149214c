import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { Database } from '../../src/core/db/types.js';
import { CachedEmbedder } from '../../src/core/embed/cache.js';
import { ensureEmbeddingSpace } from '../../src/core/embed/space.js';
import { lastFullSync } from '../../src/core/ingest/index.js';
import { createLogger } from '../../src/core/log.js';
import { driveReingestJob, FULL_SYNC_EVERY_MS } from '../../src/jobs/drive-reingest.js';
import type { Notifier, NotifierMessage } from '../../src/jobs/notify.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { migratedMemoryDb } from '../helpers/db.js';
import { TopicEmbedder } from '../helpers/corpus.js';
import { FOLDER, startFakeDrive } from '../fakes/drive.js';

const logger = createLogger('silent');
let db: Database;
beforeAll(async () => {
  db = await migratedMemoryDb();
});
afterAll(() => db.close());

// The Drive paths themselves (listing, changes, fallback) are tested in test/core/sources with the
// fake Drive server; here only what the job adds: the not-configured skip and the alert on misconfiguration.
const embedder = {} as CachedEmbedder; // never reached in these cases (the Drive ones below bring their own)

describe('drive-reingest job', () => {
  it('skips quietly when no Drive folder or shared drive is configured', async () => {
    const messages: NotifierMessage[] = [];
    const notifier: Notifier = { post: async (m) => void messages.push(m) };
    const s = new Scheduler({ db, notifier, logger }).register(
      driveReingestJob({ config: parseConfig({}), db, cachedEmbedder: embedder, logger }),
    );
    expect(await s.runNow('drive-reingest')).toMatchObject({ status: 'ok', summary: { skipped: 'drive not configured' } });
    expect(messages).toEqual([]);
  });

  it('fails, and alerts, when folder ids are set without credentials', async () => {
    const messages: NotifierMessage[] = [];
    const notifier: Notifier = { post: async (m) => void messages.push(m) };
    const config = parseConfig({ DRIVE_FOLDER_IDS: 'abc' });
    const s = new Scheduler({ db, notifier, logger, host: 'h' }).register(
      driveReingestJob({ config, db, cachedEmbedder: embedder, logger }),
    );
    const outcome = await s.runNow('drive-reingest');
    expect(outcome.status).toBe('failed');
    expect(messages[0]!.text).toMatch(/^Job drive-reingest failed on h: Drive: set GOOGLE_SERVICE_ACCOUNT_JSON/);
  });

  it('runs a full sync when none is recorded or the last is over 24 h old, so files an incremental run failed are repaired', async () => {
    expect(FULL_SYNC_EVERY_MS).toBe(24 * 60 * 60 * 1000);
    const drive = await startFakeDrive();
    const db = await migratedMemoryDb();
    try {
      drive.put({ id: 'alpha', name: 'Project Alpha', mimeType: FOLDER });
      drive.put({
        id: 'a',
        name: 'a.txt',
        mimeType: 'text/plain',
        parents: ['alpha'],
        content: Buffer.from('Guardrails at every open edge.'),
      });
      const topics = new TopicEmbedder();
      await ensureEmbeddingSpace(db, topics);
      const config = parseConfig({ DRIVE_FOLDER_IDS: 'alpha', DRIVE_ROOT_URL: drive.rootUrl });
      const s = new Scheduler({ db, notifier: { post: async () => {} }, logger }).register(
        driveReingestJob({ config, db, cachedEmbedder: new CachedEmbedder(db, topics), logger }),
      );
      const run = async () => {
        const o = await s.runNow('drive-reingest');
        if (o.status !== 'ok') throw new Error(`run ${o.status}: ${JSON.stringify(o)}`);
        return o.summary as Record<string, unknown>;
      };
      const documents = async () =>
        (await db.query<{ file_id: string }>('SELECT file_id FROM documents ORDER BY file_id')).rows.map((r) => r.file_id);

      expect(await run()).toMatchObject({ mode: 'full', added: 1, why: 'full sync: no full sync recorded yet' });
      const first = await lastFullSync(db, 'drive');
      expect(first).toBeInstanceOf(Date);

      // A new file whose download fails once: the incremental run records it, and its cursor moves past it.
      drive.put({ id: 'b', name: 'b.txt', mimeType: 'text/plain', parents: ['alpha'], content: Buffer.from('Concrete pour at dawn.') });
      drive.fail(
        1,
        { status: 403, reason: 'forbidden', message: 'transient' },
        (r) => r.path === '/drive/v3/files/b' && r.query.get('alt') === 'media',
      );
      expect(await run()).toMatchObject({ mode: 'incremental', failed: 1, why: `incremental: last full sync ${first!.toISOString()}` });
      expect(await run()).toMatchObject({ mode: 'incremental', files: 0, failed: 0 });
      expect(await documents()).toEqual(['drive:a']);
      expect(await lastFullSync(db, 'drive')).toEqual(first);

      // A day later, the next run lists everything and picks the file up.
      const old = new Date(Date.now() - FULL_SYNC_EVERY_MS - 60_000).toISOString();
      await db.query(`UPDATE sync_state SET value = $1 WHERE source = 'drive' AND key = 'last_full_sync'`, [old]);
      expect(await run()).toMatchObject({
        mode: 'full',
        added: 1,
        unchanged: 1,
        failed: 0,
        why: `full sync: the last one (${old}) is over 24 h old`,
      });
      expect(await documents()).toEqual(['drive:a', 'drive:b']);
      expect((await lastFullSync(db, 'drive'))!.getTime()).toBeGreaterThan(first!.getTime());
      expect(await run()).toMatchObject({ mode: 'incremental' });
    } finally {
      await db.close();
      await drive.close();
    }
  });

  it('fails, and alerts, when another ingest of Drive is running', async () => {
    const drive = await startFakeDrive();
    const db = await migratedMemoryDb();
    try {
      drive.put({ id: 'alpha', name: 'Project Alpha', mimeType: FOLDER });
      const topics = new TopicEmbedder();
      await ensureEmbeddingSpace(db, topics);
      const messages: NotifierMessage[] = [];
      const config = parseConfig({ DRIVE_FOLDER_IDS: 'alpha', DRIVE_ROOT_URL: drive.rootUrl });
      const s = new Scheduler({ db, notifier: { post: async (m) => void messages.push(m) }, logger, host: 'h' }).register(
        driveReingestJob({ config, db, cachedEmbedder: new CachedEmbedder(db, topics), logger }),
      );
      // Someone else (the CLI) holds the Drive ingest lock while the job runs.
      const held = await db.withAdvisoryLock('ingest:drive', () => s.runNow('drive-reingest'), { wait: false });
      expect(held.acquired).toBe(true);
      const outcome = held.acquired ? held.result : undefined;
      expect(outcome).toMatchObject({ status: 'failed', error: 'another ingest of drive is running; try again when it finishes' });
      expect(messages[0]!.text).toMatch(/^Job drive-reingest failed on h: another ingest of drive is running; try again when it finishes/);
      expect(drive.requests).toHaveLength(0); // refused before touching Drive
      expect(await s.runNow('drive-reingest')).toMatchObject({ status: 'ok' }); // free again afterwards
    } finally {
      await db.close();
      await drive.close();
    }
  });
});
