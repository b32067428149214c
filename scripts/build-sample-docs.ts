/**
 * Builds the binary sample documents (.docx and .pdf) of the shipped knowledge base
 * from their Markdown sources in samples/src/, then reads each one back (mammoth /
 * unpdf) to check that it opens and contains its text.
 *
 *   npx tsx scripts/build-sample-docs.ts
 *
 * The generated files are committed, so the product never needs `docx` or `pdf-lib`
 * (dev dependencies) at run time. Only a small Markdown subset is understood:
 * `#`/`##`/`###` headings, `- ` bullets, `1. ` numbered items, `| a | b |` tables,
 * `**bold**` spans, and plain lines (each line is its own paragraph).
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AlignmentType,
  BorderStyle,
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { PDFDocument, PDFFont, StandardFonts, rgb } from 'pdf-lib';
import { unzipSync, zipSync } from 'fflate'; // a dependency of `docx`
import mammoth from 'mammoth';
import { extractText, getDocumentProxy } from 'unpdf';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'samples', 'src');
const KB = join(ROOT, 'samples', 'knowledge-base');

/** Source file → generated file (relative to samples/knowledge-base). */
const TARGETS: { src: string; out: string }[] = [
  { src: 'excavation-trenching-plan.md', out: 'safety/excavation-trenching-plan.docx' },
  { src: 'change-order-procedure.md', out: 'contracts/change-order-procedure.docx' },
  { src: 'punch-list-procedure.md', out: 'closeout/punch-list-procedure.docx' },
  { src: 'crane-lift-plan.md', out: 'safety/crane-lift-plan.pdf' },
  { src: 'schedule-update-2026-10.md', out: 'schedule/schedule-update-2026-10.pdf' },
  { src: 'pay-application-procedure.md', out: 'contracts/pay-application-procedure.pdf' },
];

/** Fixed date so rebuilding produces the same metadata. */
const FIXED_DATE = new Date('2026-11-02T12:00:00Z');
const AUTHOR = 'Trajanus Builders (sample data)';
const MAX_BYTES = 60 * 1024;

// ---------------------------------------------------------------- Markdown subset

type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'bullet'; text: string }
  | { kind: 'numbered'; num: string; text: string }
  | { kind: 'table'; rows: string[][] }
  | { kind: 'para'; text: string };

function parseMarkdown(md: string): Block[] {
  const blocks: Block[] = [];
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    if (!line.trim()) continue;
    const h = /^(#{1,3})\s+(.*)$/.exec(line);
    if (h) {
      blocks.push({ kind: 'heading', level: h[1].length as 1 | 2 | 3, text: h[2] });
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].trim().startsWith('|')) {
        const cells = lines[i]
          .trim()
          .replace(/^\|/, '')
          .replace(/\|$/, '')
          .split('|')
          .map((c) => c.trim());
        if (!cells.every((c) => /^:?-{2,}:?$/.test(c))) rows.push(cells);
        i++;
      }
      i--;
      blocks.push({ kind: 'table', rows });
      continue;
    }
    const b = /^\s*[-*]\s+(.*)$/.exec(line);
    if (b) {
      blocks.push({ kind: 'bullet', text: b[1] });
      continue;
    }
    const n = /^\s*(\d+)\.\s+(.*)$/.exec(line);
    if (n) {
      blocks.push({ kind: 'numbered', num: n[1], text: n[2] });
      continue;
    }
    blocks.push({ kind: 'para', text: line.trim() });
  }
  return blocks;
}

/** Splits `**bold**` spans. */
function spans(text: string): { text: string; bold: boolean }[] {
  const out: { text: string; bold: boolean }[] = [];
  const re = /\*\*(.+?)\*\*/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), bold: false });
    out.push({ text: m[1], bold: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), bold: false });
  return out;
}

const plain = (text: string) => text.replace(/\*\*(.+?)\*\*/g, '$1');

// ---------------------------------------------------------------- DOCX

function runs(text: string, extra: { bold?: boolean; size?: number } = {}): TextRun[] {
  return spans(text).map((s) => new TextRun({ text: s.text, bold: extra.bold || s.bold, size: extra.size }));
}

async function buildDocx(blocks: Block[], title: string): Promise<Buffer> {
  const children: (Paragraph | Table)[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        children.push(
          new Paragraph({
            heading: b.level === 1 ? HeadingLevel.HEADING_1 : b.level === 2 ? HeadingLevel.HEADING_2 : HeadingLevel.HEADING_3,
            children: runs(b.text, { bold: true, size: b.level === 1 ? 36 : b.level === 2 ? 28 : 24 }),
            spacing: { before: 240, after: 120 },
          }),
        );
        break;
      case 'bullet':
        children.push(new Paragraph({ children: runs(b.text), bullet: { level: 0 } }));
        break;
      case 'numbered':
        children.push(new Paragraph({ children: runs(`${b.num}. ${b.text}`), indent: { left: 360 } }));
        break;
      case 'table': {
        const border = { style: BorderStyle.SINGLE, size: 4, color: '999999' };
        children.push(
          new Table({
            width: { size: 100, type: WidthType.PERCENTAGE },
            rows: b.rows.map(
              (row, r) =>
                new TableRow({
                  children: row.map(
                    (cell) =>
                      new TableCell({
                        borders: { top: border, bottom: border, left: border, right: border },
                        children: [new Paragraph({ children: runs(cell, { bold: r === 0 }) })],
                      }),
                  ),
                }),
            ),
          }),
        );
        break;
      }
      case 'para':
        children.push(new Paragraph({ children: runs(b.text), spacing: { after: 80 }, alignment: AlignmentType.LEFT }));
        break;
    }
  }
  const doc = new Document({
    creator: AUTHOR,
    lastModifiedBy: AUTHOR,
    title,
    description: 'Sample document for the Trajanus knowledge base (fictional project)',
    styles: { default: { document: { run: { font: 'Calibri', size: 22 } } } },
    sections: [{ children }],
  });
  return reproducibleZip(await Packer.toBuffer(doc));
}

/**
 * `docx` stamps the current time into docProps/core.xml and into every zip entry, so
 * each rebuild would change the committed binaries. Re-pack with FIXED_DATE instead.
 */
function reproducibleZip(buf: Buffer): Buffer {
  const files = unzipSync(new Uint8Array(buf));
  const core = 'docProps/core.xml';
  if (files[core]) {
    const xml = new TextDecoder()
      .decode(files[core])
      .replace(/(<dcterms:(?:created|modified)[^>]*>)[^<]*(<\/dcterms:)/g, `$1${FIXED_DATE.toISOString()}$2`);
    files[core] = new TextEncoder().encode(xml);
  }
  return Buffer.from(zipSync(files, { level: 6, mtime: FIXED_DATE }));
}

// ---------------------------------------------------------------- PDF

/** Characters Helvetica (WinAnsi) cannot encode, mapped to close equivalents. */
const REPLACEMENTS: Record<string, string> = {
  '→': '->',
  '−': '-',
  '≤': '<=',
  '≥': '>=',
  '×': 'x',
  '\u00a0': ' ',
};

function pdfSafe(text: string, font: PDFFont): string {
  let out = '';
  for (const ch of text) {
    const rep = REPLACEMENTS[ch] ?? ch;
    try {
      font.encodeText(rep);
      out += rep;
    } catch {
      out += '?';
    }
  }
  return out;
}

async function buildPdf(blocks: Block[], title: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  pdf.setTitle(title);
  pdf.setAuthor(AUTHOR);
  pdf.setSubject('Sample document for the Trajanus knowledge base (fictional project)');
  pdf.setProducer('scripts/build-sample-docs.ts (pdf-lib)');
  pdf.setCreator('Trajanus');
  pdf.setCreationDate(FIXED_DATE);
  pdf.setModificationDate(FIXED_DATE);

  const PAGE_W = 612; // US Letter
  const PAGE_H = 792;
  const MARGIN = 60;
  const WIDTH = PAGE_W - 2 * MARGIN;
  let page = pdf.addPage([PAGE_W, PAGE_H]);
  let y = PAGE_H - MARGIN;

  const newPageIfNeeded = (needed: number) => {
    if (y - needed < MARGIN) {
      page = pdf.addPage([PAGE_W, PAGE_H]);
      y = PAGE_H - MARGIN;
    }
  };

  /** Word-wraps `text` into lines no wider than `width`. */
  const wrap = (text: string, font: PDFFont, size: number, width: number): string[] => {
    const words = text.split(/\s+/).filter(Boolean);
    const lines: string[] = [];
    let cur = '';
    for (const w of words) {
      const cand = cur ? `${cur} ${w}` : w;
      if (font.widthOfTextAtSize(cand, size) <= width || !cur) cur = cand;
      else {
        lines.push(cur);
        cur = w;
      }
    }
    if (cur) lines.push(cur);
    return lines;
  };

  const write = (text: string, opts: { font: PDFFont; size: number; indent?: number; prefix?: string; after?: number }) => {
    const indent = opts.indent ?? 0;
    const safe = pdfSafe(plain(text), opts.font);
    const prefixW = opts.prefix ? opts.font.widthOfTextAtSize(opts.prefix, opts.size) : 0;
    const lines = wrap(safe, opts.font, opts.size, WIDTH - indent - prefixW);
    const lh = opts.size * 1.35;
    lines.forEach((line, k) => {
      newPageIfNeeded(lh);
      y -= lh;
      if (k === 0 && opts.prefix) page.drawText(opts.prefix, { x: MARGIN + indent, y, size: opts.size, font: opts.font });
      page.drawText(line, { x: MARGIN + indent + prefixW, y, size: opts.size, font: opts.font, color: rgb(0, 0, 0) });
    });
    y -= opts.after ?? 3;
  };

  for (const b of blocks) {
    switch (b.kind) {
      case 'heading': {
        const size = b.level === 1 ? 18 : b.level === 2 ? 13.5 : 12;
        y -= b.level === 1 ? 0 : 8;
        newPageIfNeeded(size * 3); // keep a heading with the next lines
        write(b.text, { font: bold, size, after: 5 });
        break;
      }
      case 'bullet':
        write(b.text, { font: regular, size: 10.5, indent: 12, prefix: '- ' });
        break;
      case 'numbered':
        write(b.text, { font: regular, size: 10.5, indent: 12, prefix: `${b.num}. ` });
        break;
      case 'table':
        b.rows.forEach((row, r) => write(row.join('  |  '), { font: r === 0 ? bold : regular, size: 10, indent: 6 }));
        y -= 4;
        break;
      case 'para':
        write(b.text, { font: regular, size: 10.5, after: 4 });
        break;
    }
  }

  // Page footer
  const pages = pdf.getPages();
  pages.forEach((p, k) => {
    const footer = pdfSafe(`${title} - page ${k + 1} of ${pages.length}`, regular);
    p.drawText(footer, { x: MARGIN, y: 30, size: 8, font: regular, color: rgb(0.4, 0.4, 0.4) });
  });
  return pdf.save({ useObjectStreams: true });
}

// ---------------------------------------------------------------- read-back check

const normalize = (s: string) => s.replace(/\s+/g, ' ').toLowerCase();

async function readBack(path: string): Promise<string> {
  const buf = await readFile(path);
  if (path.endsWith('.docx')) return (await mammoth.extractRawText({ buffer: buf })).value;
  const doc = await getDocumentProxy(new Uint8Array(buf));
  const { text } = await extractText(doc, { mergePages: true });
  return text;
}

async function main(): Promise<void> {
  let failures = 0;
  for (const t of TARGETS) {
    const md = await readFile(join(SRC, t.src), 'utf8');
    const blocks = parseMarkdown(md);
    const first = blocks.find((b) => b.kind === 'heading');
    const title = first ? plain(first.text) : t.src;
    const outPath = join(KB, t.out);
    await mkdir(dirname(outPath), { recursive: true });
    const bytes = t.out.endsWith('.docx') ? await buildDocx(blocks, title) : await buildPdf(blocks, title);
    await writeFile(outPath, bytes);

    // Check: opens, and contains its title and the last paragraph's opening words.
    const text = normalize(await readBack(outPath));
    const last = [...blocks].reverse().find((b) => b.kind === 'para' || b.kind === 'bullet') as { text: string } | undefined;
    const probes = [title, last ? plain(last.text).split(/\s+/).slice(0, 6).join(' ') : ''].filter(Boolean);
    const missing = probes.filter((p) => !text.includes(normalize(p.replace(/→/g, '->').replace(/−/g, '-'))));
    const tooBig = bytes.length > MAX_BYTES;
    if (missing.length || tooBig) failures++;
    console.log(
      `${missing.length || tooBig ? 'FAIL' : 'ok  '} ${t.out}  ${(bytes.length / 1024).toFixed(1)} KB, ${text.split(' ').length} words` +
        (missing.length ? `  missing: ${JSON.stringify(missing)}` : '') +
        (tooBig ? '  (over 60 KB)' : ''),
    );
  }
  if (failures) {
    console.error(`${failures} document(s) failed the read-back check`);
    process.exitCode = 1;
  }
}

await main();
