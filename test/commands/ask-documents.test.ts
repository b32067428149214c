// End to end through the real CLI: a folder as a construction team has it (revisions B/C/D of a
// spec section as PDFs, a three-tab submittal log, an OAC deck with notes, an inspection report
// whose second page is a scan, and a corrupt or locked file of each type) is ingested with
// `trajanus ingest --json`, then `trajanus ask --json` must cite the page, tab and rows, or slide,
// link PDFs to the page, prefer the latest revision and say a quoted one is superseded.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_FILES_FAILED } from '../../src/commands/ingest.js';
import { encryptedOfficeFile, makeLockedPdf, makeOacDeck, makeScannedPdf, makeSubmittalLog } from '../helpers/documents.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/trajanus.mjs');

/** A spec section of `pages` pages; `facts` puts lines on given pages. */
async function specPdf(title: string, date: string, facts: Record<number, string[]>, pages = 4): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let p = 1; p <= pages; p++) {
    const page = doc.addPage([612, 792]);
    const lines =
      p === 1
        ? [`SECTION 05 12 00 STRUCTURAL STEEL FRAMING`, `Date: ${date}`, 'Part 1 General. This section covers structural steel framing.']
        : [`Part ${p} continues the requirements for structural steel.`];
    [...lines, ...(facts[p] ?? [])].forEach((l, i) => page.drawText(l, { x: 72, y: 720 - i * 16, size: 11, font }));
  }
  return Buffer.from(await doc.save());
}

interface AskJson {
  answer: string;
  noAnswer: boolean;
  sources: {
    n: number;
    title: string;
    url: string | null;
    location?: string;
    asOf?: string;
    revision?: string;
    revisionNote?: string;
    superseded?: boolean;
  }[];
}

describe('documents as construction teams have them, through trajanus ingest and ask --json', () => {
  let dir: string;
  let kb: string;
  let ingestExit: number;
  let summary: { added: number; failed: number; errors: { fileId: string; error: string }[]; warnings: unknown[] };
  const cli = async (...args: string[]) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TRAJANUS_DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
      EMBEDDING_PROVIDER: 'local',
      KNOWLEDGE_DIR: kb,
      OCR_DPI: '150',
    };
    for (const k of ['DATABASE_URL', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN', 'DRIVE_FOLDER_IDS']) delete env[k];
    return (await run(process.execPath, [BIN, ...args], { env, cwd: dir, timeout: 300_000, maxBuffer: 1 << 24 })).stdout;
  };
  const ask = async (q: string): Promise<AskJson> => JSON.parse(await cli('ask', q, '--json'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trajanus-documents-'));
    kb = join(dir, 'kb');
    mkdirSync(join(kb, 'specs'), { recursive: true });
    mkdirSync(join(kb, 'logs'), { recursive: true });
    mkdirSync(join(kb, 'broken'), { recursive: true });
    writeFileSync(
      join(kb, 'specs', 'Structural Specs 05 12 00 Rev B.pdf'),
      await specPdf('Structural Specs 05 12 00 Rev B', '2026-06-01', {
        2: ['Anchor rods shall be ASTM F1554 Grade 36.', 'Mill certificates shall be faxed to the field office before erection.'],
      }),
    );
    writeFileSync(
      join(kb, 'specs', 'Structural Specs 05 12 00 Rev C.pdf'),
      await specPdf('Structural Specs 05 12 00 Rev C', '2026-08-14', { 2: ['Anchor rods shall be ASTM F1554 Grade 36.'] }),
    );
    writeFileSync(
      join(kb, 'specs', 'Structural Specs 05 12 00 Rev D.pdf'),
      await specPdf('Structural Specs 05 12 00 Rev D', '2026-10-02', {
        3: ['Anchor rods shall be ASTM F1554 Grade 55, hot-dip galvanized.'],
      }),
    );
    writeFileSync(join(kb, 'logs', 'submittal-log.xlsx'), await makeSubmittalLog());
    writeFileSync(join(kb, 'logs', 'oac-meeting-14.pptx'), await makeOacDeck());
    writeFileSync(
      join(kb, 'logs', 'inspection-report-0412.pdf'),
      await makeScannedPdf(
        [
          [],
          [
            'FIELD INSPECTION REPORT 0412 - SIGNED COPY',
            'Shear studs on the level 2 deck passed the bend test.',
            'Inspector: R. Alvarez, special inspector.',
          ],
        ],
        {
          dpi: 200,
          title: 'Inspection Report 0412',
          textPages: { 1: ['Inspection Report 0412, typed cover page. Date: 2026-09-30.', 'The signed field sheet follows on page 2.'] },
        },
      ),
    );
    writeFileSync(join(kb, 'broken', 'corrupt.xlsx'), Buffer.from('PK\u0003\u0004 truncated'));
    writeFileSync(join(kb, 'broken', 'locked.xlsx'), encryptedOfficeFile());
    writeFileSync(join(kb, 'broken', 'corrupt.pptx'), Buffer.from('PK\u0003\u0004 truncated'));
    writeFileSync(join(kb, 'broken', 'locked.pptx'), encryptedOfficeFile());
    writeFileSync(join(kb, 'broken', 'corrupt.pdf'), Buffer.from('%PDF-1.7\nnot really'));
    writeFileSync(join(kb, 'broken', 'locked.pdf'), await makeLockedPdf());
    // Files that failed make the run exit 4 (EXIT_FILES_FAILED) after it has indexed the rest.
    const ingested = await cli('ingest', kb, '--json').then(
      (stdout) => ({ stdout, code: 0 }),
      (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
    );
    ingestExit = ingested.code;
    summary = JSON.parse(ingested.stdout);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('indexes what it can read and records each unreadable file with its reason', () => {
    expect(summary.added).toBe(6);
    expect(summary.failed).toBe(6);
    expect(ingestExit).toBe(EXIT_FILES_FAILED);
    const reasons = Object.fromEntries(summary.errors.map((e) => [e.fileId.replace(/^folder:/, ''), e.error]));
    expect(reasons['broken/locked.xlsx']).toBe('the spreadsheet is encrypted (password protected): save an unprotected copy to index it');
    expect(reasons['broken/locked.pptx']).toBe('the presentation is encrypted (password protected): save an unprotected copy to index it');
    expect(reasons['broken/locked.pdf']).toBe('the PDF is encrypted (password protected)');
    expect(reasons['broken/corrupt.xlsx']).toMatch(/^corrupt spreadsheet: /);
    expect(reasons['broken/corrupt.pptx']).toMatch(/^corrupt presentation: /);
    expect(reasons['broken/corrupt.pdf']).toMatch(/^corrupt PDF: /);
  });

  it('cites the latest revision to its page, links the page, and says an earlier one exists', async () => {
    const a = await ask('What grade are the anchor rods?');
    expect(a.noAnswer).toBe(false);
    expect(a.answer).toContain('Grade 55');
    expect(a.answer).not.toContain('Grade 36');
    const [s] = a.sources;
    expect(s).toMatchObject({
      title: 'Structural Specs 05 12 00 Rev D',
      location: 'p. 3',
      revision: 'Rev D',
      asOf: '2026-10-02',
      revisionNote: 'Rev D, 2026-10-02; earlier Rev C, Rev B also exist',
    });
    expect(s.url).toMatch(/^file:\/\/.*Rev%20D\.pdf#page=3$/);
    expect(a.sources.some((x) => /Rev [BC]/.test(x.title))).toBe(false);
  });

  it('says a quoted revision is superseded', async () => {
    const a = await ask('Where are mill certificates faxed?');
    const s = a.sources.find((x) => x.title.endsWith('Rev B'))!;
    expect(s).toMatchObject({
      location: 'p. 2',
      superseded: true,
      revisionNote: 'Rev B, 2026-06-01; superseded: a newer Rev D (2026-10-02) exists',
    });
    expect(a.answer).toContain(`Note: [${s.n}] Structural Specs 05 12 00 Rev B is superseded: a newer Rev D (2026-10-02) exists.`);
  });

  it('cites a spreadsheet row by tab and the row numbers the sheet shows', async () => {
    const a = await ask('Which steel submittal is revise and resubmit, and who reviewed it?');
    expect(a.answer).toContain('M. Okafor (EOR)');
    const s = a.sources.find((x) => x.title === 'Submittal Log')!;
    const m = /tab Steel, rows? (\d+)(?:–(\d+))?/.exec(s.location ?? '');
    expect(m, s.location).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(42);
    expect(Number(m![2] ?? m![1])).toBeGreaterThanOrEqual(42);
  });

  it('cites a slide, speaker notes included', async () => {
    const a = await ask('What float does the roof dry-in have?');
    expect(a.answer).toContain('two days');
    expect(a.sources[0]).toMatchObject({ title: 'OAC Meeting 14', location: 'slide 2' });
  });

  it('answers from a scanned page read by OCR, cited to that page', async () => {
    const a = await ask('Did the shear studs pass the bend test?');
    expect(a.answer).toMatch(/Shear studs on the level 2 deck passed the bend test/);
    expect(a.sources[0]).toMatchObject({ title: 'Inspection Report 0412', location: 'p. 2', asOf: '2026-09-30' });
    expect(a.sources[0].url).toMatch(/#page=2$/);
  });
});
