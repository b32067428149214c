import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimEvent, eventKey, messageKey, pruneEvents } from '../../src/bot/dedupe.js';
import { healthRoutes } from '../../src/bot/app.js';
import { createBotMetrics } from '../../src/bot/metrics.js';
import type { Database } from '../../src/core/db/types.js';
import { createLogger } from '../../src/core/log.js';
import { migratedMemoryDb } from '../helpers/db.js';

describe('claimEvent', () => {
  let db: Database;
  beforeAll(async () => {
    db = await migratedMemoryDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('the first claim of a key wins, concurrent or later ones lose', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => claimEvent(db, eventKey('Ev1'))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await claimEvent(db, eventKey('Ev1'))).toBe(false);
    expect(await claimEvent(db, messageKey('C1', '1.2'))).toBe(true);
    expect(await claimEvent(db, messageKey('C1', '1.2'))).toBe(false);
    expect(await claimEvent(db, messageKey('C2', '1.2'))).toBe(true);
  });

  it('prunes keys older than the TTL and keeps recent ones', async () => {
    await db.query(
      `INSERT INTO slack_events_seen (event_key, seen_at) VALUES ('old', now() - interval '2 hours'), ('recent', now() - interval '10 minutes')`,
    );
    expect(await pruneEvents(db)).toBe(1);
    const keys = (await db.query<{ event_key: string }>('SELECT event_key FROM slack_events_seen ORDER BY 1')).rows.map((r) => r.event_key);
    expect(keys).toContain('recent');
    expect(keys).not.toContain('old');
  });
});

describe('/healthz', () => {
  it('is 503 with JSON when the database does not answer', async () => {
    const broken = {
      query: async () => {
        throw new Error('connection refused');
      },
    } as unknown as Database;
    const [health] = healthRoutes(broken, createBotMetrics(), createLogger('silent'));
    const res = await new Promise<{ status: number; body: string }>((resolve) => {
      let status = 0;
      const fake = {
        writeHead: (s: number) => {
          status = s;
          return fake;
        },
        end: (body: string) => resolve({ status, body }),
      };
      (health.handler as any)({}, fake);
    });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'unavailable', database: 'error', error: 'connection refused' });
  });
});
