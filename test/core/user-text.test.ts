import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuestionHandler } from '../../src/bot/handler.js';
import { cleanUserText } from '../../src/core/user-text.js';
import { type Fixture, startFixture } from '../bot/fixture.js';
import { OPERATOR_SCOPE } from '../../src/core/access/scope.js';

describe('cleanUserText', () => {
  it('replaces NUL and other control characters with a space and keeps the rest', () => {
    expect(cleanUserText('hot\u0000work')).toBe('hot work');
    expect(cleanUserText('\u001b[31mRFI\u001b[0m deadline?\u0007')).toBe('[31mRFI [0m deadline?');
    expect(cleanUserText(' line one\r\nline two\ttab\u000c\u0085é 日本 👍 ')).toBe('line one\nline two\ttab é 日本 👍');
    expect(cleanUserText('\u0000\u0001 ')).toBe('');
  });
});

// A NUL byte reached Postgres ("invalid byte sequence for encoding UTF8: 0x00") and the user was told
// the knowledge base "is not responding". Slack and the terminal both go through QuestionHandler.
describe('a question with control characters, through the real answer engine', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(() => f?.close());

  it('is answered from the documents, not reported as an outage', async () => {
    const h = new QuestionHandler({ answerer: f.answerer, logger: f.logger, resolveAccess: async () => OPERATOR_SCOPE });
    const r = await h.handle({ text: 'How long is a hot\u0000work permit\u001b valid?\u0000', userId: 'U1', channel: 'C1' });
    expect(r.kind).toBe('answered');
    expect(r.answer?.answer).toMatch(/one shift/);
    const logged = await f.db.query<{ query_text: string }>('SELECT query_text FROM queries ORDER BY created_at DESC LIMIT 1');
    expect(logged.rows[0]?.query_text).toBe('How long is a hot work permit valid?');
  });
});
