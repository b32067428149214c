// Generated fixtures for the document formats construction teams use: a three-tab xlsx with a
// merged title and merged group headers, a pptx with speaker notes, and the container a
// password-protected Office file is (a CFB holding "EncryptionInfo").
import ExcelJS from 'exceljs';
import PptxGenJSModule from 'pptxgenjs';

// pptxgenjs's types describe its CommonJS build; the ESM build we import exports the class as default.
type Pptx = InstanceType<typeof PptxGenJSModule.default>;
const PptxGenJS = PptxGenJSModule as unknown as new () => Pptx;

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

/** Submittal log: tab Steel (title row 1 merged A1:E1, group header "Dates" merged D2:E2 over row 3), tabs Doors and Summary. */
export async function makeSubmittalLog(steelRows = 45): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.title = 'Submittal Log';
  const steel = wb.addWorksheet('Steel');
  steel.getCell('A1').value = 'Structural Steel Submittals — Harbor Medical Office Building';
  steel.mergeCells('A1:E1');
  steel.getRow(2).values = ['Submittal', 'Status', 'Reviewer', 'Dates', null];
  steel.mergeCells('D2:E2');
  steel.getRow(3).values = [null, null, null, 'Submitted', 'Returned'];
  for (let i = 4; i <= steelRows; i++) {
    steel.getRow(i).values = [
      `05 12 00-${i - 3}`,
      i === 42 ? 'Revise and resubmit' : 'Approved',
      i === 42 ? 'M. Okafor (EOR)' : 'J. Lind',
      new Date(Date.UTC(2026, 8, (i % 28) + 1)),
      `2026-10-${String((i % 27) + 1).padStart(2, '0')}`,
    ];
  }
  steel.getCell('B42').value = { richText: [{ text: 'Revise and ' }, { text: 'resubmit' }] };
  const doors = wb.addWorksheet('Doors');
  doors.addRow(['Door', 'Hardware set', 'Fire rating']);
  doors.addRow(['101', 'HW-3 (closer, panic bar)', '90 min']);
  doors.addRow(['102', 'HW-1 (passage)', 'none']);
  const summary = wb.addWorksheet('Summary');
  summary.addRow(['Tab', 'Open items']);
  summary.addRow(['Steel', { formula: 'COUNTIF(Steel!B4:B45,"Revise*")', result: 1 }]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** OAC meeting deck: three slides, the second with a table and speaker notes. */
export async function makeOacDeck(): Promise<Buffer> {
  const pptx = new PptxGenJS();
  pptx.title = 'OAC Meeting 14';
  // Titles sit in a real title placeholder, as in a deck made from PowerPoint's layouts.
  pptx.defineSlideMaster({
    title: 'TITLED',
    objects: [{ placeholder: { options: { name: 'title', type: 'title', x: 0.5, y: 0.3, w: 9, h: 1 }, text: '' } }],
  });
  const slide = () => pptx.addSlide({ masterName: 'TITLED' });
  const s1 = slide();
  s1.addText('OAC Meeting 14', { placeholder: 'title' });
  s1.addText('Owner, Architect, Contractor — 2026-10-02', { x: 0.5, y: 1.5, w: 9, h: 1 });
  const s2 = slide();
  s2.addText('Schedule Update', { placeholder: 'title' });
  s2.addText('Level 3 deck pour moved to October 20 because of the late rebar delivery.', { x: 0.5, y: 1.4, w: 9, h: 1 });
  s2.addTable(
    [
      [{ text: 'Milestone' }, { text: 'Date' }],
      [{ text: 'Roof dry-in' }, { text: 'December 4' }],
    ],
    { x: 0.5, y: 2.6, w: 6 },
  );
  s2.addNotes('Tell the owner the float on the roof dry-in is two days.');
  const s3 = slide();
  s3.addText('Safety', { placeholder: 'title' });
  s3.addText('No recordable incidents this month.', { x: 0.5, y: 1.4, w: 9, h: 1 });
  return Buffer.from((await pptx.write({ outputType: 'nodebuffer' })) as ArrayBuffer);
}

/**
 * The shape of a password-protected OOXML file: a Compound File (CFB magic) whose directory
 * names an EncryptionInfo stream. Our extractors refuse it from that shape, before unzipping.
 */
export function encryptedOfficeFile(): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  const dir = Buffer.alloc(128);
  Buffer.from('EncryptionInfo', 'utf16le').copy(dir);
  return Buffer.concat([header, dir, Buffer.alloc(384)]);
}

/**
 * A scanned page: `lines` drawn as pixels at `dpi` on a US-letter page (the way a copier scans a
 * signed submittal), embedded in a PDF as an image only — the PDF has no text layer at all.
 */
export async function renderScanPng(lines: string[], dpi = 300, opts: { noisy?: boolean } = {}): Promise<Buffer> {
  const { createCanvas, GlobalFonts } = await import('@napi-rs/canvas');
  if (!GlobalFonts.families.length) throw new Error('no fonts for the scanned-page fixture: install fonts-dejavu-core');
  const w = Math.round(8.5 * dpi);
  const h = Math.round(11 * dpi);
  const canvas = createCanvas(w, h);
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, w, h);
  g.fillStyle = '#111';
  // A copier's scan: the sheet a little askew, toner specks (a fixed seed, so every run is the same page).
  if (opts.noisy) g.rotate((0.6 * Math.PI) / 180);
  g.font = `${Math.round((11 * dpi) / 72)}px "DejaVu Serif", serif`;
  lines.forEach((line, i) => g.fillText(line, dpi, dpi + i * ((16 * dpi) / 72)));
  if (opts.noisy) {
    g.setTransform(1, 0, 0, 1, 0, 0);
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    g.fillStyle = '#555';
    for (let i = 0; i < (w * h) / 400; i++) g.fillRect(rnd() * w, rnd() * h, 1 + rnd() * 2, 1 + rnd() * 2);
  }
  return canvas.toBuffer('image/png');
}

export async function makeScannedPdf(
  pages: string[][],
  opts: { dpi?: number; noisy?: boolean; textPages?: Record<number, string[]>; title?: string } = {},
): Promise<Buffer> {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  if (opts.title) doc.setTitle(opts.title);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const [i, lines] of pages.entries()) {
    const page = doc.addPage([612, 792]);
    const typed = opts.textPages?.[i + 1];
    if (typed) {
      typed.forEach((l, j) => page.drawText(l, { x: 72, y: 720 - j * 16, size: 11, font }));
      continue;
    }
    const png = await doc.embedPng(await renderScanPng(lines, opts.dpi ?? 300, { noisy: opts.noisy }));
    page.drawImage(png, { x: 0, y: 0, width: 612, height: 792 });
  }
  return Buffer.from(await doc.save());
}

/** Character error rate: edit distance between the OCR'd and the known text (whitespace folded), over the known text's length. */
export function characterErrorRate(recognised: string, truth: string): number {
  const a = recognised.replace(/\s+/g, ' ').trim();
  const b = truth.replace(/\s+/g, ' ').trim();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return b.length ? prev[b.length] / b.length : a.length ? 1 : 0;
}

/**
 * A PDF whose Standard security handler wants a user password (an /Encrypt dictionary whose /U
 * does not match the empty password), as a password-protected submittal is.
 */
export async function makeLockedPdf(): Promise<Buffer> {
  const { PDFDocument, PDFHexString, PDFName, PDFNumber, StandardFonts } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  doc.addPage([300, 300]).drawText('Locked submittal', { x: 20, y: 250, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
  const hex = (byte: number) => PDFHexString.of(byte.toString(16).padStart(2, '0').repeat(32));
  const encrypt = doc.context.obj({
    Filter: PDFName.of('Standard'),
    V: PDFNumber.of(1),
    R: PDFNumber.of(2),
    O: hex(0xab),
    U: hex(0xcd),
    P: PDFNumber.of(-44),
  });
  doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
  doc.context.trailerInfo.ID = doc.context.obj([hex(0x11), hex(0x11)]);
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
