// Text from a file's bytes, one well-kept library per format. Markdown stays Markdown (and HTML
// and DOCX become Markdown) so that the chunker can split on headings.
import { extname } from 'node:path';
import { extractHtml } from './html.js';
import { extractCsv, extractMarkdown, extractPlain } from './text.js';
import { DEFAULT_OCR } from '../ocr/settings.js';
import { IMAGE_TYPES } from './image-types.js';
import { ExtractError, type ExtractOptions, type Extracted } from './types.js';

export { ExtractError, type Extracted, type ExtractedSection, type ExtractOptions } from './types.js';

type Extractor = (data: Buffer, opts: ExtractOptions) => Promise<Extracted> | Extracted;

const byMime: Record<string, Extractor> = {
  // pdf.js, mammoth, ExcelJS and JSZip load only when a file of their type is read.
  'application/pdf': async (data, opts) => (await import('./pdf.js')).extractPdf(data, opts),
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': async (data) => (await import('./docx.js')).extractDocx(data),
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': async (data) => (await import('./xlsx.js')).extractXlsx(data),
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': async (data) =>
    (await import('./pptx.js')).extractPptx(data),
  'text/html': extractHtml,
  'text/markdown': extractMarkdown,
  'text/x-markdown': extractMarkdown,
  'text/plain': extractPlain,
  'text/csv': extractCsv,
};

const byExtension: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.csv': 'text/csv',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

export function mimeTypeFor(fileName: string): string {
  return byExtension[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/** The declared type wins unless it is generic; then the extension decides. */
function resolveMime(mimeType: string, fileName?: string): string {
  const base = mimeType.split(';')[0].trim().toLowerCase();
  if (byMime[base]) return base;
  if (fileName && (base === '' || base === 'application/octet-stream' || base === 'binary/octet-stream')) return mimeTypeFor(fileName);
  return base;
}

/** Image files are documents only when their OCR is enabled. */
const imageExtractor = (mime: string, opts: ExtractOptions): Extractor | undefined =>
  IMAGE_TYPES.includes(mime) && (opts.ocr ?? DEFAULT_OCR).enabled && (opts.ocr ?? DEFAULT_OCR).images
    ? async (data, o) => (await import('./image.js')).extractImage(data, o)
    : undefined;

export function isSupported(mimeType: string, fileName?: string, opts: ExtractOptions = {}): boolean {
  const mime = resolveMime(mimeType, fileName);
  return mime in byMime || !!imageExtractor(mime, opts);
}

const formats: Record<string, string> = {
  'text/plain': 'text',
  'text/markdown': 'text',
  'text/x-markdown': 'text',
  'text/csv': 'text',
  'text/html': 'html',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
};

/** The type whose size limit applies (INGEST_MAX_FILE_MB): text, html, pdf, docx, or other. */
export function formatOf(mimeType: string, fileName?: string): string {
  return formats[resolveMime(mimeType, fileName)] ?? 'other';
}

export async function extractText(data: Buffer, mimeType: string, fileName?: string, opts: ExtractOptions = {}): Promise<Extracted> {
  const mime = resolveMime(mimeType, fileName);
  const extractor = byMime[mime] ?? imageExtractor(mime, opts);
  if (!extractor) throw new ExtractError(`unsupported file type ${mimeType || '(none)'}${fileName ? ` (${fileName})` : ''}`, 'unsupported');
  let out: Extracted;
  try {
    out = await extractor(data, opts);
  } catch (e) {
    if (e instanceof ExtractError) throw e;
    throw new ExtractError(`could not read ${fileName ?? mime}: ${(e as Error).message}`, 'corrupt');
  }
  const sections = out.sections?.map((s) => ({ ...s, text: normalise(s.text) })).filter((s) => s.text);
  const text = sections ? sections.map((s) => s.text).join('\n\n') : normalise(out.text);
  if (!text) throw new ExtractError(`no text in ${fileName ?? mime}${out.notes?.length ? ` (${out.notes.join('; ')})` : ''}`, 'empty');
  return {
    text,
    title: out.title?.trim() || undefined,
    ...(sections ? { sections } : {}),
    ...(out.notes?.length ? { notes: out.notes } : {}),
  };
}

const normalise = (t: string) =>
  t
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
