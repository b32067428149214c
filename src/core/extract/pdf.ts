import { AsyncLocalStorage } from 'node:async_hooks';
import { extractText, getDocumentProxy } from 'unpdf';
import { ExtractError, type ExtractOptions, type Extracted } from './types.js';

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
  return pdfConsole.run(opts.log ?? (() => {}), () => readPdf(data));
}

async function readPdf(data: Buffer): Promise<Extracted> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
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
  // Pages are joined by blank lines so a page break ends a paragraph for the chunker.
  return { text: (text as string[]).join('\n\n'), title };
}
