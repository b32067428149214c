// OCR for pages that have no text layer (scans: signed submittals, inspection reports, field
// sketches) and, when enabled, image files. tesseract.js runs Tesseract (WebAssembly) in a worker
// thread, so recognition never blocks the event loop; its English model comes from the npm
// package @tesseract.js-data/eng and is read from disk: nothing is downloaded, and nothing is
// cached into the working directory. Each document gets a page and time budget: pages past it
// are recorded as not read, with the reason, and the rest of the document is kept.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createWorker, OEM, type Worker } from 'tesseract.js';

import type { OcrSettings } from './settings.js';

export { DEFAULT_OCR, type OcrSettings } from './settings.js';

const require = createRequire(import.meta.url);

/** The folder holding eng.traineddata.gz inside the installed package (the integer "best" model tesseract.js uses for LSTM). */
export function englishModelDir(): string {
  return join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
}

export class OcrBudgetError extends Error {}

/**
 * One OCR session for one document: starts a worker on first use, tracks the document's budget,
 * and is closed (its worker thread ended) when the document is done or the time is up.
 */
export class OcrSession {
  private worker?: Promise<Worker>;
  private readonly started = Date.now();
  pagesRead = 0;

  constructor(readonly settings: OcrSettings) {}

  remainingMs(): number {
    return this.settings.timeBudgetMs - (Date.now() - this.started);
  }

  /** Why the next page may not be read, or undefined when it may. */
  refusal(): string | undefined {
    if (this.pagesRead >= this.settings.maxPages) return `over the OCR page budget (OCR_MAX_PAGES=${this.settings.maxPages})`;
    if (this.remainingMs() <= 0) return `over the OCR time budget (OCR_TIME_BUDGET_MS=${this.settings.timeBudgetMs})`;
    return undefined;
  }

  private start(): Promise<Worker> {
    this.worker ??= createWorker('eng', OEM.LSTM_ONLY, {
      langPath: englishModelDir(),
      gzip: true,
      // 'none': read the model from the package, never write a copy into the working directory.
      cacheMethod: 'none',
    });
    return this.worker;
  }

  /** Text of one image (PNG/JPEG bytes). Throws OcrBudgetError when the time runs out first. */
  async recognize(image: Buffer): Promise<{ text: string; confidence: number }> {
    const refused = this.refusal();
    if (refused) throw new OcrBudgetError(refused);
    const worker = await this.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new OcrBudgetError(`over the OCR time budget (OCR_TIME_BUDGET_MS=${this.settings.timeBudgetMs})`)),
        Math.max(1, this.remainingMs()),
      );
    });
    try {
      const r = await Promise.race([worker.recognize(image), timeout]);
      this.pagesRead++;
      return { text: r.data.text, confidence: r.data.confidence };
    } catch (e) {
      // A recognition cut short leaves the worker busy: end it, so the next call starts clean.
      if (e instanceof OcrBudgetError) await this.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await (await w).terminate().catch(() => {});
  }
}

/** "pages 3, 5–9" from page numbers. */
export function pageList(pages: number[]): string {
  const sorted = [...pages].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}–${sorted[j]}` : `${sorted[i]}`);
    i = j;
  }
  return `${sorted.length === 1 ? 'page' : 'pages'} ${parts.join(', ')}`;
}
