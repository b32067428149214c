// The figure check end to end: the real Anthropic and OpenAI SDKs talk to the loopback fakes,
// which answer with a wrong figure, a right figure cited to the wrong source, and a figure found
// only in a source the statement does not cite. Each is removed, flagged, logged and counted.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerServiceMetrics } from '../../../src/bot/metrics.js';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { HybridSearcher } from '../../../src/core/search/search.js';
import { ClaudeModel, OpenAIChatModel } from '../../../src/core/answer/models.js';
import { RagAnswerer } from '../../../src/core/answer/rag.js';
import { OPERATOR_SCOPE } from '../../../src/core/access/scope.js';
import type { AnswerModel } from '../../../src/core/answer/types.js';
import type { Logger } from '../../../src/core/log.js';
import { ArraySource, topicDb, type FixtureDoc } from '../../helpers/corpus.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai.js';

const DOCS: FixtureDoc[] = [
  {
    path: 'contracts/agreement.md',
    text: '# Agreement summary\n\n**Executed:** 2026-01-05\n\nThe original guaranteed maximum price (GMP) of the contract is $12,480,000. Retainage on each payment is 10% of the contract payment.',
  },
  {
    path: 'contracts/amendment-1.md',
    text: '# Amendment No. 1 revised GMP\n\n**Date:** 2026-03-10\n\nThe revised guaranteed maximum price (GMP) of the contract is $12,573,350 after change orders CO-001 to CO-003.',
  },
];

describe('figure check on model answers', () => {
  let db: Database;
  let searcher: HybridSearcher;
  let anthropic: FakeAnthropic;
  let openai: FakeOpenAI;
  const warnings: { obj: any; msg: string }[] = [];
  const logger = { warn: (obj: any, msg: string) => warnings.push({ obj, msg }), info() {}, error() {}, debug() {} } as unknown as Logger;
  const rag = (model: AnswerModel) =>
    new RagAnswerer({ db, searcher, model, logger, settings: { minConfidence: 0.3, matchCount: 4, timeoutMs: 10_000, historyTurns: 3 } });
  /** The prompt's source number of a document, whatever order retrieval gave. */
  const numberOf = (prompt: string, title: string) => Number(new RegExp(`<source n="(\\d+)" title="${title}`).exec(prompt)![1]);
  const promptOf = (body: any) => String(body.messages.at(-1).content);

  beforeAll(async () => {
    const t = await topicDb();
    db = t.db;
    const embedder = t.embedder;
    await ingest({ db, embedder }, new ArraySource(DOCS));
    searcher = new HybridSearcher(db, new CachedEmbedder(db, embedder));
    anthropic = await startFakeAnthropic();
    openai = await startFakeOpenAI();
  });
  afterAll(async () => {
    await anthropic.close();
    await openai.close();
    await db.close();
  });

  const claude = () =>
    new ClaudeModel({
      apiKey: 'sk-ant-test',
      baseURL: anthropic.url,
      model: 'claude-test',
      timeoutMs: 10_000,
      maxRetries: 0,
      maxTokens: 300,
      temperature: 0,
    });

  it('removes and flags a wrong figure, keeps the verified ones, logs and counts it', async () => {
    anthropic.reply = (body) => {
      const p = promptOf(body);
      const a = numberOf(p, 'Agreement summary'),
        b = numberOf(p, 'Amendment No. 1');
      return `The original GMP was $12,480,000 [${a}]. The revised GMP is $12,900,000 [${b}].`;
    };
    const r = rag(claude());
    const a = await r.answer('What were the original GMP and the revised GMP?', { access: OPERATOR_SCOPE });
    expect(a.model).toBe('claude:claude-test');
    expect(a.answer).toMatch(/^The original GMP was \$12,480,000 \[1\]\./);
    expect(a.answer).not.toMatch(/The revised GMP is \$12,900,000/);
    expect(a.answer).toMatch(/Could not verify: \$12,900,000 \(not in “Amendment No\. 1 revised GMP”, which it cited\)/);
    expect(a.unverifiedFigures).toEqual(['$12,900,000']);
    expect(r.totals).toEqual({ unverifiedFigures: 1, answersWithUnverifiedFigures: 1 });
    expect(warnings.at(-1)!.obj.figures[0]).toMatchObject({ figure: '$12,900,000' });

    const registry = new Registry();
    registerServiceMetrics(registry, { cache: () => ({ hits: 0, misses: 0 }), jobRuns: async () => [], answers: () => r.totals });
    const text = await registry.metrics();
    expect(text).toMatch(/^trajanus_answer_unverified_figures_total 1$/m);
    expect(text).toMatch(/^trajanus_answers_with_unverified_figures_total 1$/m);
  });

  it('gives the model the as-of dates, the parts of a two-part question and the rule to prefer the latest source', async () => {
    const body = anthropic.messages().at(-1)!.json;
    expect(body.system).toMatch(/prefer the most recent dated source/);
    expect(promptOf(body)).toMatch(/<source n="\d" title="Amendment No\. 1 revised GMP" date="2026-03-10">/);
    expect(promptOf(body)).toMatch(/<source n="\d" title="Agreement summary" date="2026-01-05">/);
    expect(promptOf(body)).toMatch(
      /This question has 2 parts; answer each:\n1\. What were the original GMP\?\n2\. What were the revised GMP\?/,
    );
  });

  it('flags a right figure cited to the wrong source (OpenAI-compatible chat)', async () => {
    openai.chatReply = (body) => {
      const p = String(body.messages.at(-1).content);
      return `The revised GMP is $12,573,350 [${numberOf(p, 'Agreement summary')}]. Retainage is 10% [${numberOf(p, 'Agreement summary')}].`;
    };
    const model = new OpenAIChatModel({
      apiKey: 'sk-test',
      baseURL: openai.baseURL,
      model: 'gpt-test',
      timeoutMs: 10_000,
      maxRetries: 0,
      maxTokens: 300,
      temperature: 0,
    });
    const r = rag(model);
    const a = await r.answer('What is the revised GMP and the retainage on each payment?', { access: OPERATOR_SCOPE });
    expect(a.model).toBe('openai:gpt-test');
    expect(a.answer).toMatch(/^Retainage is 10% \[1\]\./);
    expect(a.answer).toMatch(
      /Could not verify: \$12,573,350 \(not in “Agreement summary”, which it cited; it appears in “Amendment No\. 1 revised GMP”\)/,
    );
    expect(r.totals.unverifiedFigures).toBe(1);
  });

  it('flags a figure whose statement cites nothing, and quotes the documents when nothing verified is left', async () => {
    anthropic.reply = (body) => `Retainage is 10% [${numberOf(promptOf(body), 'Agreement summary')}]. The revised GMP is $12,573,350.`;
    const r = rag(claude());
    const a = await r.answer('What is the retainage on each payment and the revised GMP?', { access: OPERATOR_SCOPE });
    expect(a.answer).toMatch(/Could not verify: \$12,573,350 \(no source cited; it appears in “Amendment No\. 1 revised GMP”\)/);
    expect(a.answer).not.toMatch(/The revised GMP is \$12,573,350\./);

    anthropic.reply = (body) => `The revised GMP is $13,000,000 [${numberOf(promptOf(body), 'Amendment No. 1')}].`;
    const b = await r.answer('What is the revised GMP?', { access: OPERATOR_SCOPE });
    expect(b.model).toBe('composer');
    expect(b.note).toMatch(/held figures its sources do not \(Could not verify: \$13,000,000/);
    expect(b.answer).toMatch(/\$12,573,350/);
    expect(b.unverifiedFigures).toEqual(['$13,000,000']);
    expect(r.totals).toEqual({ unverifiedFigures: 2, answersWithUnverifiedFigures: 2 });
  });
});
