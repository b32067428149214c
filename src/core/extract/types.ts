// What every extractor returns and throws. Its own module so that index.ts (which dispatches to
// the extractors) and the extractors (which produce these) import it without importing each other.
import type { Location } from '../location.js';
import type { OcrSettings } from '../ocr/settings.js';

/** One located piece of a document: a PDF page, a spreadsheet row, a slide. */
export interface ExtractedSection {
  text: string;
  location?: Location;
  /**
   * What the section sits under ("Steel" for a tab, "Slide 3 · Schedule" for a slide). Consecutive
   * sections with the same heading may share a chunk (rows of one tab); a new heading or a new
   * PDF page always starts a new one.
   */
  heading?: string;
}

export interface Extracted {
  /** The whole text (the document's content and content hash); with sections, their texts joined. */
  text: string;
  title?: string;
  /** Located pieces, in document order; absent for formats without pages (Markdown, DOCX, HTML). */
  sections?: ExtractedSection[];
  /** What extraction could not do but did not lose the document for (pages over the OCR budget …). */
  notes?: string[];
}

export interface ExtractOptions {
  /** OCR of pages without a text layer (and of images when enabled); default DEFAULT_OCR. */
  ocr?: OcrSettings;
  /** Where a library's own notices go (pdf.js repair warnings): the log, never the terminal. */
  log?: (message: string) => void;
}

export class ExtractError extends Error {
  constructor(
    message: string,
    public readonly reason: 'unsupported' | 'corrupt' | 'encrypted' | 'empty' | 'encoding',
  ) {
    super(message);
    this.name = 'ExtractError';
  }
}
