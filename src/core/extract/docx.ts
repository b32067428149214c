import mammoth from 'mammoth';
import { htmlToMarkdownish } from './html.js';
import type { Extracted } from './types.js';
import { refuseOfficeContainer } from './office.js';

// DOCX → HTML (mammoth maps Word heading styles to <h1>…) → Markdown-ish text, so headings survive.
export async function extractDocx(data: Buffer): Promise<Extracted> {
  refuseOfficeContainer(data, 'document');
  const { value } = await mammoth.convertToHtml({ buffer: data });
  const text = htmlToMarkdownish(value);
  const title = /^# (.+)$/m.exec(text)?.[1];
  return { text, title };
}
