// OCR settings, apart from the OCR itself so that reading them does not load tesseract.js.
export interface OcrSettings {
  enabled: boolean;
  /** Also OCR PNG/JPEG files. */
  images: boolean;
  /** Pages read per document. */
  maxPages: number;
  /** Time per document. */
  timeBudgetMs: number;
  /** Render resolution of a PDF page. */
  dpi: number;
}

export const DEFAULT_OCR: OcrSettings = { enabled: true, images: false, maxPages: 50, timeBudgetMs: 120_000, dpi: 200 };
