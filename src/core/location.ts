// Where in its document a passage sits: the page of a PDF, the tab and rows of a spreadsheet (as
// the spreadsheet numbers them), the slide of a deck. Extractors set it, the chunker carries it
// into each chunk (chunks.location), search returns it, and answers cite it ("p. 14").

export interface Location {
  /** PDF page (1-based), and the last page when a chunk spans several. */
  page?: number;
  pageEnd?: number;
  /** Spreadsheet tab name and row range as the sheet shows them (header and title rows counted). */
  sheet?: string;
  rowStart?: number;
  rowEnd?: number;
  /** Slide number (1-based, presentation order). */
  slide?: number;
  /** The page was read by OCR (no text layer). */
  ocr?: boolean;
}

const range = (a: number, b: number | undefined) => (b !== undefined && b !== a ? `${a}–${b}` : `${a}`);

/** "p. 14", "pp. 14–15", "tab Steel, rows 40–44", "slide 3"; a heading path when there is nothing else. */
export function formatLocation(loc: Location | null | undefined, headingPath: string[] = []): string | undefined {
  if (loc?.page !== undefined)
    return loc.pageEnd !== undefined && loc.pageEnd !== loc.page ? `pp. ${range(loc.page, loc.pageEnd)}` : `p. ${loc.page}`;
  if (loc?.sheet !== undefined) {
    const rows =
      loc.rowStart === undefined
        ? ''
        : loc.rowEnd !== undefined && loc.rowEnd !== loc.rowStart
          ? `, rows ${range(loc.rowStart, loc.rowEnd)}`
          : `, row ${loc.rowStart}`;
    return `tab ${loc.sheet}${rows}`;
  }
  if (loc?.slide !== undefined) return `slide ${loc.slide}`;
  const path = headingPath.filter(Boolean);
  return path.length ? `§ ${path.join(' › ')}` : undefined;
}

/** The smallest location covering both (same sheet or the page/slide span); undefined parts stay undefined. */
export function mergeLocations(locs: (Location | undefined)[]): Location | undefined {
  const present = locs.filter((l): l is Location => !!l && Object.keys(l).length > 0);
  if (!present.length) return undefined;
  const out: Location = {};
  const pages = present.flatMap((l) => (l.page !== undefined ? [l.page, l.pageEnd ?? l.page] : []));
  if (pages.length) {
    out.page = Math.min(...pages);
    const end = Math.max(...pages);
    if (end !== out.page) out.pageEnd = end;
  }
  const sheet = present.find((l) => l.sheet !== undefined)?.sheet;
  if (sheet !== undefined) {
    out.sheet = sheet;
    const rows = present
      .filter((l) => l.sheet === sheet)
      .flatMap((l) => (l.rowStart !== undefined ? [l.rowStart, l.rowEnd ?? l.rowStart] : []));
    if (rows.length) {
      out.rowStart = Math.min(...rows);
      const end = Math.max(...rows);
      if (end !== out.rowStart) out.rowEnd = end;
    }
  }
  const slide = present.find((l) => l.slide !== undefined)?.slide;
  if (slide !== undefined) out.slide = slide;
  if (present.some((l) => l.ocr)) out.ocr = true;
  return out;
}

/**
 * A link that opens the place: PDF viewers (Drive's among them) honour `#page=N`. Other formats
 * have no stable fragment, so their link stays the document's.
 */
export function linkToLocation(url: string | null | undefined, loc: Location | null | undefined, mimeType?: string | null): string | null {
  if (!url) return null;
  if (loc?.page === undefined) return url;
  const isPdf = mimeType ? /pdf/i.test(mimeType) : /\.pdf($|[?#])/i.test(url);
  if (!isPdf) return url;
  return `${url.replace(/#.*$/, '')}#page=${loc.page}`;
}
