import { extractText, getDocumentProxy } from 'unpdf';
import { ExtractError, type Extracted } from './types.js';

export async function extractPdf(data: Buffer): Promise<Extracted> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    pdf = await getDocumentProxy(new Uint8Array(data));
  } catch (e) {
    const name = (e as Error).name ?? '';
    if (name === 'PasswordException' || /password/i.test((e as Error).message)) throw new ExtractError('the PDF is encrypted (password protected)', 'encrypted');
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
