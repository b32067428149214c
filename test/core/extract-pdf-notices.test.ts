// pdf.js reports what it repairs on the console ("Warning: Indexing all PDF objects" for a damaged
// cross-reference table). Those notices go to the log passed in, never to the user's terminal.
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { extractText } from '../../src/core/extract/index.js';

async function pdfWithBrokenXref(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([400, 400]).drawText('Hot work permits are valid for one shift.', { x: 40, y: 350, size: 12, font });
  const bytes = Buffer.from(await doc.save({ useObjectStreams: false }));
  // Point startxref at the wrong place: pdf.js then rebuilds the table by scanning every object.
  const text = bytes.toString('latin1').replace(/startxref\s+(\d+)/, (_m, n) => `startxref\n${Number(n) + 7}`);
  return Buffer.from(text, 'latin1');
}

describe('pdf.js notices', () => {
  afterEach(() => vi.restoreAllMocks());

  it('go to the log with the file, not to the console', async () => {
    const written: string[] = [];
    for (const level of ['log', 'warn', 'info'] as const)
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' ')));
    const logged: string[] = [];
    const out = await extractText(await pdfWithBrokenXref(), 'application/pdf', 'permit.pdf', { log: (m) => logged.push(m) });
    vi.restoreAllMocks();
    expect(out.text).toContain('Hot work permits are valid for one shift.');
    expect(logged.join('\n')).toMatch(/Warning: Indexing all PDF objects/);
    expect(written.join('')).not.toMatch(/Indexing all PDF objects/);
  });
});
