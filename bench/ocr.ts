// OCR throughput and accuracy on scanned pages made from known text: each page is drawn as pixels
// at the given DPI and embedded in a PDF with no text layer, then read back through the product's
// PDF extractor. Reports characters per second and character error rate (edit distance / length)
// per DPI for a clean page and a copier-like one (askew, specks), and, as the in-run baseline, the same pages typed (with a text layer) read by pdf.js.
//   npm run bench:ocr [-- --pages 3 --dpi 200,300 --json]
import { parseArgs } from 'node:util';
import { extractText } from '../src/core/extract/index.js';
import { DEFAULT_OCR } from '../src/core/ocr/index.js';
import { characterErrorRate, makeScannedPdf } from '../test/helpers/documents.js';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '3' },
    dpi: { type: 'string', default: '200,300' },
    json: { type: 'boolean', default: false },
  },
});
const pageCount = Number(values.pages);
const dpis = values.dpi!.split(',').map(Number);

const SENTENCES = [
  'Anchor rods shall be ASTM F1554 Grade 36, hot-dip galvanized per ASTM F2329.',
  'High-strength bolts shall be ASTM F3125 Grade A325, Type 1, pretensioned.',
  'Shop drawings shall be submitted 14 days before fabrication begins.',
  'The special inspector shall verify all complete-joint-penetration welds.',
  'Deck welds: 5/8 inch puddle welds at 12 inches on center, 36/4 pattern.',
  'Touch-up primer shall match the shop coat; apply within 24 hours.',
  'Submittal 05 12 00-3 was returned Revise and Resubmit on 2026-10-02.',
  'Bearing plates under beams B-14 through B-22 are 3/4 x 10 x 1\'-0".',
];
const pages = Array.from({ length: pageCount }, (_, p) => [
  `PAGE ${p + 1} - SECTION 05 12 00 STRUCTURAL STEEL`,
  ...Array.from({ length: 24 }, (_, i) => SENTENCES[(p * 5 + i) % SENTENCES.length]),
]);
const truth = pages.map((l) => l.join('\n'));
const chars = truth.join('').replace(/\s/g, '').length;

async function run(pdf: Buffer, dpi: number) {
  const t0 = performance.now();
  const out = await extractText(pdf, 'application/pdf', 'bench.pdf', {
    ocr: { ...DEFAULT_OCR, dpi, maxPages: pageCount, timeBudgetMs: 3_600_000 },
  });
  const ms = performance.now() - t0;
  const cer = out.sections!.map((s, i) => characterErrorRate(s.text, truth[i])).reduce((a, b) => a + b, 0) / pages.length;
  return { ms, cer };
}

const typed = await makeScannedPdf(pages, { textPages: Object.fromEntries(pages.map((l, i) => [i + 1, l])) });
const baseline = await run(typed, 72);
const results = [];
for (const dpi of dpis)
  for (const noisy of [false, true]) {
    const pdf = await makeScannedPdf(pages, { dpi, noisy });
    const r = await run(pdf, dpi);
    results.push({
      dpi,
      scan: noisy ? 'askew 0.6°, specks' : 'clean',
      pages: pageCount,
      chars,
      seconds: +(r.ms / 1000).toFixed(2),
      chars_per_s: Math.round(chars / (r.ms / 1000)),
      cer: +r.cer.toFixed(4),
      x_text_layer_time: +(r.ms / baseline.ms).toFixed(1),
    });
  }
if (values.json) console.log(JSON.stringify({ baseline_text_layer_ms: Math.round(baseline.ms), results }));
else {
  console.log(
    `text-layer baseline: ${pageCount} pages, ${chars} characters in ${Math.round(baseline.ms)} ms (CER ${baseline.cer.toFixed(4)})`,
  );
  for (const r of results)
    console.log(
      `OCR at ${r.dpi} dpi (${r.scan}): ${r.seconds} s, ${r.chars_per_s} chars/s, CER ${(r.cer * 100).toFixed(2)}%, ×${r.x_text_layer_time} the text-layer time`,
    );
}
