import { AsyncLocalStorage } from 'node:async_hooks';
import { extractText, getDocumentProxy, getResolvedPDFJS, renderPageAsImage } from 'unpdf';
import { DEFAULT_OCR, OcrBudgetError, OcrSession, pageList } from '../ocr/index.js';
import type { Location } from '../location.js';
import { ExtractError, type Extracted, type ExtractOptions, type ExtractedSection } from './types.js';

type PdfProxy = Awaited<ReturnType<typeof getDocumentProxy>>;

/** Fewer visible characters than this and the page is taken to have no text layer (a scan with a stamped page number still counts). */
const MIN_TEXT_LAYER_CHARS = 20;

// pdf.js reports what it repairs ("Indexing all PDF objects" for a damaged cross-reference table)
// with console.warn/console.log. Those lines belong in the log with the file's name, not on the
// user's terminal; the async context tells a PDF being read (and which one) from everything else
// that writes to the console, even with several files extracted at once.
const pdfConsole = new AsyncLocalStorage<(message: string) => void>();
let routed = false;
function routePdfConsole() {
  if (routed) return;
  routed = true;
  for (const level of ['log', 'warn', 'info'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const sink = pdfConsole.getStore();
      if (sink && typeof args[0] === 'string' && /^(Warning|Info): /.test(args[0])) sink(args.map(String).join(' '));
      else original(...args);
    };
  }
}

export async function extractPdf(data: Buffer, opts: ExtractOptions = {}): Promise<Extracted> {
  routePdfConsole();
  return pdfConsole.run(opts.log ?? (() => {}), () => readPdf(data, opts));
}

async function readPdf(data: Buffer, opts: ExtractOptions): Promise<Extracted> {
  let pdf: PdfProxy;
  try {
    pdf = await getDocumentProxy(new Uint8Array(data));
  } catch (e) {
    const name = (e as Error).name ?? '';
    if (name === 'PasswordException' || /password/i.test((e as Error).message))
      throw new ExtractError('the PDF is encrypted (password protected)', 'encrypted');
    throw new ExtractError(`corrupt PDF: ${(e as Error).message}`, 'corrupt');
  }
  const { text } = await extractText(pdf, { mergePages: false });
  let title: string | undefined;
  try {
    const meta = await pdf.getMetadata();
    title = (meta.info as { Title?: string } | undefined)?.Title || undefined;
  } catch {
    /* metadata is optional */
  }
  // One section per page, so every chunk knows its page(s); consecutive pages may share a chunk.
  const pages: ExtractedSection[] = (text as string[]).map((t, i) => ({ text: t, location: { page: i + 1 } }));
  const notes = await ocrScannedPages(pdf, pages, opts);
  return { text: pages.map((p) => p.text).join('\n\n'), title, sections: pages, ...(notes.length ? { notes } : {}) };
}

/** Does the page paint an image (a scan), rather than being blank? */
async function paintsImage(pdf: PdfProxy, pageNumber: number): Promise<boolean> {
  const { OPS } = await getResolvedPDFJS();
  const page = await pdf.getPage(pageNumber);
  const ops = await page.getOperatorList();
  const images = new Set<number>(
    [OPS.paintImageXObject, OPS.paintInlineImageXObject, OPS.paintImageMaskXObject, OPS.paintImageXObjectRepeat].filter(
      (x) => x !== undefined,
    ),
  );
  return ops.fnArray.some((f) => images.has(f));
}

/**
 * OCR of the pages without a text layer, in place, within the document's budget. Returns notes
 * on what was not read and why; pages read are marked `ocr` in their location.
 */
async function ocrScannedPages(pdf: PdfProxy, pages: ExtractedSection[], opts: ExtractOptions): Promise<string[]> {
  const settings = opts.ocr ?? DEFAULT_OCR;
  const scanned: number[] = [];
  for (let i = 0; i < pages.length; i++)
    if (pages[i].text.replace(/\s/g, '').length < MIN_TEXT_LAYER_CHARS && (await paintsImage(pdf, i + 1))) scanned.push(i + 1);
  if (!scanned.length) return [];
  if (!settings.enabled)
    return [
      `${pageList(scanned)} ${scanned.length === 1 ? 'has' : 'have'} no text layer and ${scanned.length === 1 ? 'was' : 'were'} not read: OCR is off (OCR_ENABLED=false)`,
    ];
  const session = new OcrSession(settings);
  const unread = new Map<string, number[]>();
  try {
    for (const n of scanned) {
      try {
        // Refused before rendering: a page past the budget costs nothing.
        const refused = session.refusal();
        if (refused) throw new OcrBudgetError(refused);
        const png = await renderPageAsImage(pdf, n, { canvasImport: () => import('@napi-rs/canvas'), scale: settings.dpi / 72 });
        const { text } = await session.recognize(Buffer.from(png));
        const before = pages[n - 1].text.trim();
        pages[n - 1] = {
          text: [before, text].filter(Boolean).join('\n\n'),
          location: { ...(pages[n - 1].location as Location), ocr: true },
        };
      } catch (e) {
        const reason = e instanceof OcrBudgetError ? e.message : `OCR failed: ${(e as Error).message}`;
        unread.set(reason, [...(unread.get(reason) ?? []), n]);
      }
    }
  } finally {
    await session.close();
  }
  return [...unread].map(([reason, ns]) => `${pageList(ns)} not read by OCR: ${reason}`);
}
