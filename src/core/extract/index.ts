// Text from a file's bytes, one well-kept library per format. Markdown stays Markdown (and HTML
// and DOCX become Markdown) so that the chunker can split on headings.
import { extname } from 'node:path';
import { extractPdf } from './pdf.js';
import { extractDocx } from './docx.js';
import { extractHtml } from './html.js';
import { extractCsv, extractMarkdown, extractPlain } from './text.js';
import { extractXlsx } from './xlsx.js';
import { extractPptx } from './pptx.js';

import type { Location } from '../location.js';
import { DEFAULT_OCR, type OcrSettings } from '../ocr/index.js';
import { extractImage, IMAGE_TYPES } from './image.js';

/** One located piece of a document: a PDF page, a spreadsheet row, a slide. */
export interface ExtractedSection {
  text: string;
  location?: Location;
  /**
   * What the section sits under ("Steel" for a tab, "Slide 3 · Schedule" for a slide). Consecutive
   * sections with the same heading may share a chunk (rows of one tab, pages of a PDF); a new
   * heading always starts a new one.
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

export class ExtractError extends Error {
  constructor(message: string, public readonly reason: 'unsupported' | 'corrupt' | 'encrypted' | 'empty') {
    super(message);
    this.name = 'ExtractError';
  }
}

export interface ExtractOptions {
  /** OCR of pages without a text layer (and of images when enabled); default DEFAULT_OCR. */
  ocr?: OcrSettings;
}

type Extractor = (data: Buffer, opts: ExtractOptions) => Promise<Extracted> | Extracted;

const byMime: Record<string, Extractor> = {
  'application/pdf': extractPdf,
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': extractDocx,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': extractXlsx,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': extractPptx,
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
  IMAGE_TYPES.includes(mime) && (opts.ocr ?? DEFAULT_OCR).enabled && (opts.ocr ?? DEFAULT_OCR).images ? extractImage : undefined;

export function isSupported(mimeType: string, fileName?: string, opts: ExtractOptions = {}): boolean {
  const mime = resolveMime(mimeType, fileName);
  return mime in byMime || !!imageExtractor(mime, opts);
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
  return { text, title: out.title?.trim() || undefined, ...(sections ? { sections } : {}), ...(out.notes?.length ? { notes: out.notes } : {}) };
}

const normalise = (t: string) => t.replace(/\r\n?/g, '\n').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
