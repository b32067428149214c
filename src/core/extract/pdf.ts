import { extractText, getDocumentProxy } from 'unpdf';
import { ExtractError, type Extracted } from './index.js';

export async function extractPdf(data: Buffer): Promise<Extracted> {
  let pdf;
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
  // One section per page, so every chunk knows its page(s); consecutive pages may share a chunk.
  const pages = (text as string[]).map((t, i) => ({ text: t, location: { page: i + 1 } }));
  return { text: pages.map((p) => p.text).join('\n\n'), title, sections: pages };
}
