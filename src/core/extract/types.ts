// What every extractor returns and throws. Its own module so that index.ts (which dispatches to
// the extractors) and the extractors (which produce these) import it without importing each other.
export interface Extracted {
  text: string;
  title?: string;
}

export interface ExtractOptions {
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
