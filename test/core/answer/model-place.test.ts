// The model path gets the place of every passage and the date of every source, as the composer
// does: a spreadsheet and a paged PDF are ingested, the real Anthropic SDK talks to the loopback
// fake, and the prompt it receives and the answer's sources are checked.
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_SCOPE } from '../../../src/core/access/scope.js';
import { ClaudeModel } from '../../../src/core/answer/models.js';
import { RagAnswerer } from '../../../src/core/answer/rag.js';
import type { Database } from '../../../src/core/db/types.js';
import { CachedEmbedder } from '../../../src/core/embed/cache.js';
import { ingest } from '../../../src/core/ingest/index.js';
import { HybridSearcher } from '../../../src/core/search/search.js';
import type { DocumentSource, FetchedFile, SourceFile } from '../../../src/core/sources/types.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../fakes/anthropic.js';
import { topicDb } from '../../helpers/corpus.js';
import { makeSubmittalLog, XLSX } from '../../helpers/documents.js';

async function paymentPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle('Contract Payment Terms');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const pages = [
    ['Contract payment terms. Date: 2026-04-01.', 'Part 1 covers invoices.'],
    ['Invoices are due on the 25th of each month.', 'Each invoice lists the work completed.'],
    ['Retainage on each contract payment is 5% until substantial completion.'],
  ];
  for (const lines of pages) {
    const page = doc.addPage([612, 792]);
    lines.forEach((l, i) => page.drawText(l, { x: 72, y: 720 - i * 16, size: 11, font }));
  }
  return Buffer.from(await doc.save());
}

class Files implements DocumentSource {
  readonly name = 'files';
  constructor(private readonly files: { path: string; mimeType: string; data: Buffer }[]) {}
  async *list(): AsyncIterable<SourceFile> {
    for (const f of this.files)
      yield {
        fileId: `files:${f.path}`,
        title: f.path,
        mimeType: f.mimeType,
        path: f.path,
        url: `https://example.test/${f.path}`,
        metadata: {},
      };
  }
  async fetch(file: SourceFile): Promise<FetchedFile> {
    const f = this.files.find((x) => `files:${x.path}` === file.fileId)!;
    return { data: f.data, mimeType: f.mimeType };
  }
}

describe('the model is given each passage with its place and each source with its date', () => {
  let db: Database;
  let searcher: HybridSearcher;
  let anthropic: FakeAnthropic;

  beforeAll(async () => {
    const t = await topicDb();
    db = t.db;
    await ingest(
      { db, embedder: t.embedder },
      new Files([
        { path: 'contracts/payment-terms.pdf', mimeType: 'application/pdf', data: await paymentPdf() },
        { path: 'logs/submittal-log.xlsx', mimeType: XLSX, data: await makeSubmittalLog() },
      ]),
    );
    searcher = new HybridSearcher(db, new CachedEmbedder(db, t.embedder));
    anthropic = await startFakeAnthropic();
  });
  afterAll(async () => {
    await anthropic.close();
    await db.close();
  });

  it('cites a PDF page through the model, with the link to that page and its as-of date', async () => {
    let prompt = '';
    anthropic.reply = (body) => {
      prompt = String(body.messages.at(-1).content);
      const n = /<source n="(\d+)" title="Contract Payment Terms"/.exec(prompt)![1];
      return `Retainage on each contract payment is 5% until substantial completion [${n}].`;
    };
    const model = new ClaudeModel({
      apiKey: 'sk-ant-test',
      baseURL: anthropic.url,
      model: 'claude-test',
      timeoutMs: 10_000,
      maxRetries: 0,
      maxTokens: 300,
      temperature: 0,
    });
    const rag = new RagAnswerer({
      db,
      searcher,
      model,
      settings: { minConfidence: 0.1, matchCount: 4, timeoutMs: 10_000, historyTurns: 3 },
    });
    const a = await rag.answer('What is the retainage on each contract payment?', { access: OPERATOR_SCOPE });
    expect(a.model).toBe('claude:claude-test');
    expect(prompt).toMatch(
      /<source n="\d" title="Contract Payment Terms" date="2026-04-01">\n(?:[^<]*\n…\n)*\[p\. 3\] Retainage on each contract payment is 5%/,
    );
    const s = a.sources.find((x) => x.title === 'Contract Payment Terms')!;
    expect(s).toMatchObject({ location: expect.stringContaining('p. 3'), asOf: '2026-04-01' });
    expect(s.url).toMatch(/^https:\/\/example\.test\/contracts\/payment-terms\.pdf#page=\d$/);
  });
});
