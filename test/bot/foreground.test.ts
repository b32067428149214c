// The ack path: with the embedded database every statement runs on the main thread, so work done
// after an ack (answers) yields to HTTP requests still waiting for theirs. Foreground statements
// (the ack path, the dedupe check) never wait. Order is asserted, not time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InFlight } from '../../src/bot/context.js';
import { inBackground } from '../../src/core/db/background.js';
import { EmbeddedDatabase } from '../../src/core/db/embedded.js';

describe('background work yields to requests awaiting their ack', () => {
  let db: EmbeddedDatabase;
  beforeAll(async () => {
    db = await EmbeddedDatabase.open();
  });
  afterAll(() => db.close());

  it('a background statement waits while a request is unanswered; a foreground one does not', async () => {
    const inflight = new InFlight(4, 0, 60_000);
    const order: string[] = [];
    const answered = inflight.requestStarted();
    const background = inBackground(inflight, async () => {
      await db.query('SELECT 1');
      order.push('background');
    });
    await db.query('SELECT 1');
    order.push('foreground');
    // Many turns of the event loop later the background statement has still not run.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['foreground']);
    answered();
    await background;
    expect(order).toEqual(['foreground', 'background']);
  });

  it('with no request waiting, background statements run at once; a steady stream cannot starve them', async () => {
    const quiet = new InFlight(4, 0, 60_000);
    expect(quiet.idle()).toBeUndefined();
    await inBackground(quiet, () => db.query('SELECT 1'));
    // maxDeferMs bounds each wait: a request that never finishes holds a statement back only that long.
    const busy = new InFlight(4, 0, 20);
    busy.requestStarted();
    const r = await inBackground(busy, () => db.query<{ n: number }>('SELECT 2 AS n'));
    expect(r.rows[0].n).toBe(2);
  });

  it('answers start only once no request is unanswered (later)', async () => {
    const inflight = new InFlight(4, 0, 60_000);
    const answered = inflight.requestStarted();
    let started = false;
    const work = inflight.later(async () => {
      started = true;
    });
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 1));
    expect(started).toBe(false);
    answered();
    await work;
    expect(started).toBe(true);
  });
});
