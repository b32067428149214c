import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExtractError, extractText, isSupported } from '../../src/core/extract/index.js';
import { englishModelDir, pageList, type OcrSettings } from '../../src/core/ocr/index.js';
import { characterErrorRate, makeScannedPdf, renderScanPng } from '../helpers/documents.js';

const SPEC = [
  'SECTION 05 12 00 - STRUCTURAL STEEL FRAMING',
  'Anchor rods shall be ASTM F1554 Grade 36, hot-dip galvanized.',
  'High-strength bolts shall be ASTM F3125 Grade A325, Type 1.',
  'Field welding shall be inspected by the special inspector.',
];
const ocr = (o: Partial<OcrSettings> = {}): OcrSettings => ({
  enabled: true,
  images: false,
  maxPages: 10,
  timeBudgetMs: 120_000,
  dpi: 200,
  ...o,
});

describe('OCR of scanned PDF pages', () => {
  it('reads a page scanned at 300 dpi close to its known text, and only the page without a text layer', async () => {
    const pdf = await makeScannedPdf([SPEC, []], { dpi: 300, textPages: { 2: ['Typed page two: shop drawings are due within 14 days.'] } });
    const before = readdirSync(process.cwd());
    const out = await extractText(pdf, 'application/pdf', 'scan.pdf', { ocr: ocr() });
    expect(out.sections!.map((s) => s.location)).toEqual([{ page: 1, ocr: true }, { page: 2 }]);
    expect(characterErrorRate(out.sections![0].text, SPEC.join('\n'))).toBeLessThan(0.03);
    expect(out.sections![1].text).toBe('Typed page two: shop drawings are due within 14 days.');
    expect(out.notes).toBeUndefined();
    // The model is read from the installed package, and no copy is cached into the working directory.
    expect(existsSync(join(englishModelDir(), 'eng.traineddata.gz'))).toBe(true);
    expect(englishModelDir()).toContain(join('node_modules', '@tesseract.js-data', 'eng'));
    expect(readdirSync(process.cwd()).filter((f) => !before.includes(f))).toEqual([]);
  });

  it('keeps the pages it may read and records the ones over the page budget, with the reason', async () => {
    const pdf = await makeScannedPdf([SPEC.slice(0, 2), SPEC.slice(2), SPEC.slice(1, 3)], { dpi: 150 });
    const out = await extractText(pdf, 'application/pdf', 'scan.pdf', { ocr: ocr({ maxPages: 1, dpi: 150 }) });
    expect(out.sections!.map((s) => s.location!.page)).toEqual([1]);
    expect(out.text).toMatch(/Anchor rods/);
    expect(out.notes).toEqual(['pages 2–3 not read by OCR: over the OCR page budget (OCR_MAX_PAGES=1)']);
  });

  it('a scan with no time left is an error that says why, not an empty document', async () => {
    const pdf = await makeScannedPdf([SPEC], { dpi: 150 });
    const err = await extractText(pdf, 'application/pdf', 'late.pdf', { ocr: ocr({ timeBudgetMs: 1 }) }).catch((e) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err.reason).toBe('empty');
    expect(err.message).toBe('no text in late.pdf (page 1 not read by OCR: over the OCR time budget (OCR_TIME_BUDGET_MS=1))');
  });

  it('says so when OCR is off', async () => {
    const pdf = await makeScannedPdf([SPEC, []], { dpi: 100, textPages: { 2: ['Typed page two: shop drawings are due within 14 days.'] } });
    const out = await extractText(pdf, 'application/pdf', 'scan.pdf', { ocr: ocr({ enabled: false }) });
    expect(out.notes).toEqual(['page 1 has no text layer and was not read: OCR is off (OCR_ENABLED=false)']);
  });
});

describe('OCR of image files', () => {
  it('is a document type only when OCR_IMAGES is on, and reads a PNG', async () => {
    expect(isSupported('image/png', 'notice.png', { ocr: ocr() })).toBe(false);
    expect(isSupported('image/png', 'notice.png', { ocr: ocr({ images: true }) })).toBe(true);
    const png = await renderScanPng(['HOT WORK PERMIT REQUIRED', 'Fire watch for 60 minutes after work.'], 150);
    const out = await extractText(png, 'image/png', 'notice.png', { ocr: ocr({ images: true }) });
    expect(characterErrorRate(out.text, 'HOT WORK PERMIT REQUIRED\nFire watch for 60 minutes after work.')).toBeLessThan(0.05);
    const err = await extractText(Buffer.from('not an image'), 'image/png', 'x.png', { ocr: ocr({ images: true }) }).catch((e) => e);
    expect(err.message).toBe('corrupt image: not a PNG or JPEG file');
  });

  it('lists pages compactly', () => {
    expect(pageList([3])).toBe('page 3');
    expect(pageList([9, 2, 3, 4, 7])).toBe('pages 2–4, 7, 9');
  });
});
