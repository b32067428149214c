import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { QuestionHandler, MAX_QUESTION_CHARS } from '../../src/bot/handler.js';
import { blocksToText } from '../../src/bot/blocks/text.js';
import { createLogger } from '../../src/core/log.js';
import type { Answer, Answerer, AnswerOptions } from '../../src/core/answer/types.js';
import { OPERATOR_SCOPE } from '../../src/core/access/scope.js';

const resolveAccess = async () => OPERATOR_SCOPE;

function capture() {
  const lines: any[] = [];
  const dest = new Writable({
    write(chunk, _e, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { logger: createLogger('info', dest), lines };
}

class RecordingAnswerer implements Answerer {
  calls: { question: string; opts?: AnswerOptions }[] = [];
  constructor(private readonly fail?: Error) {}
  async answer(question: string, opts?: AnswerOptions): Promise<Answer> {
    this.calls.push({ question, opts });
    if (this.fail) throw this.fail;
    return {
      answer: `You asked: ${question}`,
      sources: [],
      confidence: 1,
      noAnswer: false,
      timings: {},
      standaloneQuery: question,
      model: 'test',
    };
  }
}

describe('QuestionHandler', () => {
  it('passes the thread session id (channel:thread_ts) and user to the answerer', async () => {
    const a = new RecordingAnswerer();
    const h = new QuestionHandler({ answerer: a, logger: capture().logger, resolveAccess });
    const r = await h.handle({ text: '  What is open?  ', userId: 'U1', channel: 'C1', threadTs: '123.456' });
    expect(r.kind).toBe('answered');
    expect(a.calls).toEqual([
      { question: 'What is open?', opts: { access: OPERATOR_SCOPE, sessionId: 'C1:123.456', userId: 'U1', filters: undefined } },
    ]);
    expect(blocksToText(r.blocks)).toBe('You asked: What is open?');
  });

  it('answers empty text and "help" with the usage, without calling the answerer', async () => {
    const a = new RecordingAnswerer();
    const h = new QuestionHandler({ answerer: a, logger: capture().logger, resolveAccess });
    for (const text of ['', '   ', 'help', 'HELP']) {
      const r = await h.handle({ text });
      expect(r.kind).toBe('usage');
      expect(r.text).toBeTruthy();
      expect(blocksToText(r.blocks)).toContain('/trajanus <your question>');
    }
    expect(a.calls).toHaveLength(0);
  });

  it('refuses questions over the limit with a clear message', async () => {
    const a = new RecordingAnswerer();
    const h = new QuestionHandler({ answerer: a, logger: capture().logger, resolveAccess });
    const r = await h.handle({ text: 'x'.repeat(MAX_QUESTION_CHARS + 1) });
    expect(r.kind).toBe('too_long');
    expect(blocksToText(r.blocks)).toMatch(/4,001 characters long; the limit is 4,000/);
    expect(a.calls).toHaveLength(0);
  });

  it('turns a failure into a friendly message with a correlation id that is logged with the error', async () => {
    const { logger, lines } = capture();
    const h = new QuestionHandler({
      answerer: new RecordingAnswerer(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
      logger,
      resolveAccess,
    });
    const r = await h.handle({ text: 'What is open?', userId: 'U1', channel: 'C1', threadTs: '1.2' });
    expect(r.kind).toBe('error');
    expect(r.errorId).toMatch(/^[0-9a-f-]{36}$/);
    const shown = blocksToText(r.blocks);
    expect(shown).toContain(r.errorId);
    expect(shown).not.toContain('ECONNREFUSED');
    const logged = lines.find((l) => l.errorId === r.errorId);
    expect(logged).toMatchObject({ level: 50, userId: 'U1', sessionId: 'C1:1.2', err: { message: 'connect ECONNREFUSED 127.0.0.1:5432' } });
  });
});
