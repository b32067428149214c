// The offline composer on a small project (bench/answers/riverside: minutes at two dates, a later
// RFI log, hard-wrapped specs, a contract and its GMP amendment, a blank template), one test per
// failure class of issue 14. The topic embedder keeps it fast; the eval harness measures the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { HybridSearcher } from '../../../src/core/search/search.js';
import { RagAnswerer } from '../../../src/core/answer/rag.js';
import { OPERATOR_SCOPE } from '../../../src/core/access/scope.js';
import { FolderSource } from '../../../src/core/sources/folder.js';
import { topicDb } from '../../helpers/corpus.js';

describe('offline answers a superintendent can act on', () => {
  let db: Database;
  let rag: RagAnswerer;
  const bullets = (a: { answer: string }) => a.answer.split('\n').filter((l) => l.startsWith('•'));

  beforeAll(async () => {
    const t = await topicDb();
    db = t.db;
    expect((await ingest({ db, embedder: t.embedder }, new FolderSource('bench/answers/riverside'))).failed).toBe(0);
    rag = new RagAnswerer({
      db,
      searcher: new HybridSearcher(db, new CachedEmbedder(db, t.embedder)),
      settings: { minConfidence: 0.3, matchCount: 6, timeoutMs: 5000, historyTurns: 3 },
    });
  });
  afterAll(() => db.close());

  it('understands abbreviations and numbers written differently', async () => {
    expect((await rag.answer("Who is the owner's rep?", { access: OPERATOR_SCOPE })).answer).toMatch(/Dana Ruiz/);
    expect((await rag.answer('what are the LDs per day', { access: OPERATOR_SCOPE })).answer).toMatch(/\$1,200 per calendar day/);
    expect((await rag.answer('NTP date?', { access: OPERATOR_SCOPE })).answer).toMatch(/2026-01-12/);
    expect((await rag.answer("can the owner's rep sign off on a 20k change order?", { access: OPERATOR_SCOPE })).answer).toMatch(
      /\$15,000/,
    );
  });

  it('answers from the most recent dated source, says the date, and shows the older statement as older', async () => {
    const a = await rag.answer('Which RFIs are still open?', { access: OPERATOR_SCOPE });
    expect(a.answer).toMatch(/^As of 2026-03-24/);
    expect(a.sources[0].path).toBe('logs/rfi-log-2026-03-24.csv');
    expect(a.answer).toMatch(/RFI-017/);
    expect(a.answer).toMatch(/RFI-018/);
    const older = a.answer.split('\n').filter((l) => /RFI-016 (and|is still)/.test(l));
    for (const l of older) expect(l).toMatch(/^• Older \(2026-03-1\d/);
    const b = await rag.answer('Is RFI-016 still open?', { access: OPERATOR_SCOPE });
    expect(bullets(b)[0]).toMatch(/RFI-016 .*status: Answered late/);
  });

  it('answers each part of a two-part question', async () => {
    const a = await rag.answer('What were the original GMP and the revised GMP?', { access: OPERATOR_SCOPE });
    expect(a.answer).toMatch(/\$12,480,000/);
    expect(a.answer).toMatch(/\$12,573,350/);
  });

  it('quotes whole sentences across hard wraps and initials, and a log row as one readable line', async () => {
    const a = await rag.answer('Who do we send concrete mix designs to?', { access: OPERATOR_SCOPE });
    expect(a.answer).toMatch(/A\. M\. Delgado, P\.E\., at least 14 days before the first placement\./);
    const b = await rag.answer('Is RFI-016 still open?', { access: OPERATOR_SCOPE });
    const row = bullets(b).find((l) => l.includes('RFI-016 —'))!;
    expect(row).not.toMatch(/rfi_no:|date_sent:/);
  });

  it('leaves out noise: template blanks and statements that do not answer', async () => {
    const a = await rag.answer('When is the daily report due?', { access: OPERATOR_SCOPE });
    expect(a.answer).toMatch(/5:00 PM/);
    expect(a.answer).not.toMatch(/_{3}/);
    expect(bullets(a).length).toBeLessThanOrEqual(2);
  });

  it('takes the not-found path for nonsense and pasted SQL', async () => {
    for (const q of ['a b', 'the of and to', '???', 'DROP TABLE chunks; SELECT id, content FROM chunks LIMIT 10']) {
      const a = await rag.answer(q, { access: OPERATOR_SCOPE });
      expect(a.noAnswer, q).toBe(true);
    }
    expect((await rag.answer('SELECT * FROM chunks WHERE 1=1;', { access: OPERATOR_SCOPE })).answer).toMatch(
      /looks like code or a database query/,
    );
  });

  it('says so in one line when it may not fully answer', async () => {
    const a = await rag.answer('What is the warranty on the new roof membrane and skylights?', { access: OPERATOR_SCOPE });
    if (!a.noAnswer) expect(a.answer.split('\n')[0]).toBe('This may not fully answer it; the closest passages are below.');
    expect(a.hedged || a.noAnswer).toBe(true);
  });
});
