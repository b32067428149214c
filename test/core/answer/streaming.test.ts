// Streaming answers: Claude (Messages API events) and an OpenAI-compatible chat (chat.completion.chunk
// events) over server-sent events from the loopback fakes; the draft is told as it is written and the
// figure and citation checks still decide the final text. A stream that breaks off ends in the
// composed answer with a note, never in the fragment.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OPERATOR_SCOPE } from '../../../src/core/access/scope.js';
import { ClaudeModel, OpenAIChatModel } from '../../../src/core/answer/models.js';
import { RagAnswerer, type RagSettings } from '../../../src/core/answer/rag.js';
import type { AnswerModel, AnswerProgress } from '../../../src/core/answer/types.js';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { HybridSearcher } from '../../../src/core/search/search.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai.js';
import { ArraySource, topicDb, type FixtureDoc } from '../../helpers/corpus.js';

const DOCS: FixtureDoc[] = [
  {
    path: 'safety/fall.md',
    category: 'safety',
    text: '# Fall protection\n\nGuardrail top rail height is 42 inches, plus or minus 3 inches. A harness is worn at an unprotected edge above 6 feet.',
  },
  {
    path: 'procedures/rfi.md',
    category: 'procedures',
    text: '# RFI procedure\n\nThe architect answers a standard RFI within 7 working days. An urgent RFI is answered within 3 working days.',
  },
];
const SETTINGS: RagSettings = { minConfidence: 0.3, matchCount: 4, timeoutMs: 5000, historyTurns: 3 };
const opts = { timeoutMs: 5000, maxRetries: 0, maxTokens: 500, temperature: 0.2 };

describe('streamed model answers', () => {
  let db: Database;
  let searcher: HybridSearcher;
  let anthropic: FakeAnthropic;
  let openai: FakeOpenAI;
  let claude: ClaudeModel;
  let gpt: OpenAIChatModel;
  const rag = (model: AnswerModel) => new RagAnswerer({ db, searcher, model, settings: SETTINGS });
  const watch = () => {
    const seen: AnswerProgress[] = [];
    return { seen, progress: (p: AnswerProgress) => seen.push(p) };
  };
  const drafts = (seen: AnswerProgress[]) => seen.flatMap((p) => (p.stage === 'draft' ? [p.text] : []));

  beforeAll(async () => {
    const t = await topicDb();
    db = t.db;
    await ingest({ db, embedder: t.embedder }, new ArraySource(DOCS));
    searcher = new HybridSearcher(db, new CachedEmbedder(db, t.embedder));
    anthropic = await startFakeAnthropic();
    openai = await startFakeOpenAI();
    claude = new ClaudeModel({ ...opts, apiKey: 'sk-ant-test', baseURL: anthropic.url, model: 'claude-test' });
    gpt = new OpenAIChatModel({ ...opts, apiKey: 'sk-test', baseURL: openai.baseURL, model: 'gpt-test' });
  });
  afterAll(async () => {
    await anthropic.close();
    await openai.close();
    await db.close();
  });
  beforeEach(() => {
    anthropic.requests.length = 0;
    openai.requests.length = 0;
    anthropic.breakStreamNext(0, 0);
    openai.breakStreamNext(0, 0);
    anthropic.reply = () => 'The top rail is 42 inches high [1]. A harness is needed above 6 feet [1].';
    openai.chatReply = () => 'The top rail is 42 inches high [1]. A harness is needed above 6 feet [1].';
  });

  for (const which of ['claude', 'openai'] as const) {
    const model = () => (which === 'claude' ? claude : gpt);
    const requests = () => (which === 'claude' ? anthropic.messages() : openai.requests.filter((r) => r.path === '/v1/chat/completions'));

    it(`${which}: the model's stream, delta by delta, ends in the checked answer`, async () => {
      const w = watch();
      const a = await rag(model()).answer('What is the guardrail height?', { access: OPERATOR_SCOPE, progress: w.progress });
      expect(requests().at(-1)!.json.stream).toBe(true);
      expect(a.model).toBe(`${which}:${which === 'claude' ? 'claude-test' : 'gpt-test'}`);
      expect(a.answer).toBe('The top rail is 42 inches high [1]. A harness is needed above 6 feet [1].');
      const d = drafts(w.seen);
      // Word by word: each draft extends the one before, and the last is the whole text.
      expect(d.length).toBeGreaterThan(5);
      for (let i = 1; i < d.length; i++) expect(d[i].startsWith(d[i - 1])).toBe(true);
      expect(d.at(-1)).toBe(a.answer);
      // What it reads is said first, with the real number of sources.
      expect(w.seen[0]).toEqual({ stage: 'reading', sources: expect.any(Number) });
      expect((w.seen[0] as { sources: number }).sources).toBeGreaterThan(0);
    });

    it(`${which}: a streamed draft the figure check changes is not the answer`, async () => {
      const reply = 'The top rail is 42 inches high [1]. The rail must hold 900 pounds [1].';
      anthropic.reply = () => reply;
      openai.chatReply = () => reply;
      const w = watch();
      const a = await rag(model()).answer('What is the guardrail height?', { access: OPERATOR_SCOPE, progress: w.progress });
      expect(drafts(w.seen).at(-1)).toBe(reply);
      expect(a.answer).not.toContain('must hold 900 pounds');
      expect(a.answer).toContain('42 inches');
      expect(a.unverifiedFigures).toEqual(['900 pounds']);
    });

    for (const how of which === 'claude' ? (['cut', 'error', 'truncate'] as const) : (['cut', 'truncate'] as const))
      it(`${which}: a stream that breaks off halfway (${how}) ends in the composed answer, not the fragment`, async () => {
        if (which === 'claude') anthropic.breakStreamNext(1, 4, how);
        else openai.breakStreamNext(1, 4, how as 'cut' | 'truncate');
        const w = watch();
        const a = await rag(model()).answer('What is the guardrail height?', { access: OPERATOR_SCOPE, progress: w.progress });
        expect(drafts(w.seen).length).toBeGreaterThan(0);
        expect(a.model).toBe('composer');
        expect(a.note).toMatch(/did not answer/);
        expect(a.answer).toMatch(/42 inches/);
        expect(a.answer).not.toBe(drafts(w.seen).at(-1));
      });
  }

  it('without a progress listener the model is asked for a whole answer (no stream)', async () => {
    const a = await rag(claude).answer('What is the guardrail height?', { access: OPERATOR_SCOPE });
    expect(anthropic.messages().at(-1)!.json.stream).toBeUndefined();
    expect(a.answer).toContain('42 inches');
  });

  it('a listener that throws does not stop the answer', async () => {
    const a = await rag(claude).answer('What is the guardrail height?', {
      access: OPERATOR_SCOPE,
      progress: () => {
        throw new Error('listener broke');
      },
    });
    expect(a.model).toBe('claude:claude-test');
    expect(a.answer).toContain('42 inches');
  });
});
