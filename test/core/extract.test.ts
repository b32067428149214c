import { describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import { ExtractError, extractText, isSupported, mimeTypeFor } from '../../src/core/extract/index.js';
import { csvRows } from '../../src/core/extract/text.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

async function makePdf(pages: string[][], title?: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  if (title) doc.setTitle(title);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([400, 400]);
    lines.forEach((l, i) => page.drawText(l, { x: 40, y: 350 - i * 20, size: 12, font }));
  }
  return Buffer.from(await doc.save());
}

async function makeDocx(): Promise<Buffer> {
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: 'Concrete Pour Procedure', heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ children: [new TextRun('Notify the inspector 48 hours before every pour.')] }),
          new Paragraph({ text: 'Curing', heading: HeadingLevel.HEADING_2 }),
          new Paragraph('Keep the slab wet for seven days.'),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

describe('extractText', () => {
  it('reads a PDF made with pdf-lib, page by page, with its title', async () => {
    const pdf = await makePdf([['Site Safety Plan', 'Hard hats are required.'], ['Page two talks about scaffolds.']], 'Safety Plan 2026');
    const out = await extractText(pdf, 'application/pdf', 'plan.pdf');
    expect(out.title).toBe('Safety Plan 2026');
    expect(out.text).toContain('Hard hats are required.');
    expect(out.text).toMatch(/Hard hats are required\.[\s\S]*\n\nPage two talks about scaffolds\./);
  });

  it('reads a DOCX made with docx, keeping headings as Markdown', async () => {
    const out = await extractText(await makeDocx(), DOCX, 'pour.docx');
    expect(out.title).toBe('Concrete Pour Procedure');
    expect(out.text).toMatch(/^# Concrete Pour Procedure$/m);
    expect(out.text).toMatch(/^## Curing$/m);
    expect(out.text).toContain('Notify the inspector 48 hours before every pour.');
    expect(out.text).toContain('Keep the slab wet for seven days.');
  });

  it('uses the extension when the declared type is generic', async () => {
    const out = await extractText(await makeDocx(), 'application/octet-stream', 'pour.docx');
    expect(out.text).toContain('Curing');
  });

  it('drops Markdown front matter and takes the H1 as title', async () => {
    const md = '---\ndoc_type: plan\nowner: Sam\n---\n# Crane Lift Plan\n\nLifts over 10 t need a plan.\n';
    const out = await extractText(Buffer.from(md), 'text/markdown', 'lift.md');
    expect(out).toEqual({ title: 'Crane Lift Plan', text: '# Crane Lift Plan\n\nLifts over 10 t need a plan.' });
  });

  it('drops front matter of a Markdown file with Windows line endings', async () => {
    const md = '---\r\ndoc_type: plan\r\n---\r\n# Crane Lift Plan\r\n\r\nLifts over 10 t need a plan.\r\n';
    const out = await extractText(Buffer.from(md), 'text/markdown', 'lift.md');
    expect(out).toEqual({ title: 'Crane Lift Plan', text: '# Crane Lift Plan\n\nLifts over 10 t need a plan.' });
  });

  it('turns HTML headings into Markdown headings and skips scripts', async () => {
    const html =
      '<html><head><title>RFI Process</title><script>alert(1)</script></head><body><h1>RFIs</h1><p>Submit via the portal.</p><h2>Response time</h2><p>Seven days.</p></body></html>';
    const out = await extractText(Buffer.from(html), 'text/html; charset=utf-8');
    expect(out.title).toBe('RFI Process');
    expect(out.text).toMatch(/^# RFIs$/m);
    expect(out.text).toMatch(/^## Response time$/m);
    expect(out.text).toContain('Submit via the portal.');
    expect(out.text).not.toContain('alert');
  });

  it('turns CSV rows into "header: value" lines', async () => {
    const csv = 'RFI,Status,Due\nRFI-031,Open,2026-10-12\n,,\nRFI-032,Closed,\n';
    const out = await extractText(Buffer.from(csv), 'text/csv', 'rfis.csv');
    expect(out.text).toBe('RFI: RFI-031; Status: Open; Due: 2026-10-12\n\nRFI: RFI-032; Status: Closed');
  });

  it('locates each CSV row by the row number a spreadsheet shows (header row 1, blank rows counted)', async () => {
    const csv = 'RFI,Status,\nRFI-031,Open,"Beam B-14,\nsee sketch"\n,,\n\nRFI-032,Closed,x\n';
    const out = await extractText(Buffer.from(csv), 'text/csv', 'rfis.csv');
    expect(out.sections).toEqual([
      { text: 'RFI: RFI-031; Status: Open; Column C: Beam B-14,\nsee sketch', location: { rowStart: 2 } },
      { text: 'RFI: RFI-032; Status: Closed; Column C: x', location: { rowStart: 5 } },
    ]);
  });

  it('parses a CSV as it reads it, a slice at a time, not the whole file at once', async () => {
    let pulled = 0;
    const lines = ['RFI,Status', ...Array.from({ length: 5000 }, (_, i) => `RFI-${i},Open`)];
    function* slices() {
      for (const l of lines) {
        pulled++;
        yield `${l}\n`;
      }
    }
    const rows = csvRows(slices());
    const first = [(await rows.next()).value, (await rows.next()).value];
    expect(first).toEqual([
      { row: 1, cells: ['RFI', 'Status'] },
      { row: 2, cells: ['RFI-0', 'Open'] },
    ]);
    expect(pulled).toBeLessThan(lines.length / 2); // the rest is still unread
    await rows.return(undefined);
  });

  it('reports a CSV with an unclosed quote as corrupt, naming the row it opens in', async () => {
    const csv = `RFI,Status\n${Array.from({ length: 40 }, (_, i) => `RFI-${i},Open`).join('\n')}\nRFI-40,"Open\nRFI-41,Closed\n`;
    const err = await extractText(Buffer.from(csv), 'text/csv', 'rfis.csv').catch((e) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err.reason).toBe('corrupt');
    expect(err.message).toMatch(/^corrupt CSV at row 42: Quote Not Closed/);
  });

  it('reads plain text with its first line as title', async () => {
    const out = await extractText(Buffer.from('\uFEFFDaily Log\n\nRain delayed the pour.'), 'text/plain');
    expect(out).toEqual({ title: 'Daily Log', text: 'Daily Log\n\nRain delayed the pour.' });
  });

  it('reports a corrupt PDF as an ExtractError', async () => {
    const err = await extractText(Buffer.from('%PDF-1.7\nthis is not really a pdf'), 'application/pdf', 'broken.pdf').catch((e) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err.reason).toBe('corrupt');
    expect(err.message).toMatch(/corrupt PDF/);
  });

  it('reports a corrupt DOCX as an ExtractError naming the file', async () => {
    const err = await extractText(Buffer.from('PK\u0003\u0004 not a zip at all'), DOCX, 'broken.docx').catch((e) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err.reason).toBe('corrupt');
    expect(err.message).toMatch(/^could not read broken\.docx: /);
  });

  it('reports a file without text as empty', async () => {
    const err = await extractText(Buffer.from('  \n\n'), 'text/plain', 'blank.txt').catch((e) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err.reason).toBe('empty');
  });

  it('refuses an unsupported type', async () => {
    expect(isSupported('image/png', 'photo.png')).toBe(false);
    expect(isSupported('application/octet-stream', 'photo.png')).toBe(false);
    expect(isSupported('application/octet-stream', 'notes.md')).toBe(true);
    expect(isSupported('application/pdf')).toBe(true);
    expect(mimeTypeFor('A.PDF')).toBe('application/pdf');
    const err = await extractText(Buffer.from('x'), 'image/png', 'photo.png').catch((e) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err.reason).toBe('unsupported');
    expect(err.message).toBe('unsupported file type image/png (photo.png)');
  });
});
