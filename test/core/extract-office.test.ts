import { describe, expect, it } from 'vitest';
import JSZip from 'jszip';
import { ExtractError, extractText, isSupported, mimeTypeFor } from '../../src/core/extract/index.js';
import { encryptedOfficeFile, makeOacDeck, makeSubmittalLog, PPTX, XLSX } from '../helpers/documents.js';

describe('spreadsheets (xlsx)', () => {
  it('gives every tab its own section and every row its headers, with the row numbers the sheet shows', async () => {
    const out = await extractText(await makeSubmittalLog(), XLSX, 'log.xlsx');
    expect(out.title).toBe('Submittal Log');
    const tabs = [...new Set(out.sections!.map((s) => s.location?.sheet))];
    expect(tabs).toEqual(['Steel', 'Doors', 'Summary']);
    // The merged title row is row 1; the merged group header "Dates" (row 2) combines with row 3.
    expect(out.sections![0]).toEqual({
      text: 'Structural Steel Submittals — Harbor Medical Office Building',
      location: { sheet: 'Steel', rowStart: 1 },
      heading: 'Steel',
    });
    const row42 = out.sections!.find((s) => s.location?.sheet === 'Steel' && s.location.rowStart === 42)!;
    expect(row42.text).toBe(
      'Submittal: 05 12 00-39 · Status: Revise and resubmit · Reviewer: M. Okafor (EOR) · Dates › Submitted: 2026-09-15 · Dates › Returned: 2026-10-16',
    );
    expect(out.sections!.find((s) => s.location?.sheet === 'Doors' && s.location.rowStart === 2)!.text).toBe(
      'Door: 101 · Hardware set: HW-3 (closer, panic bar) · Fire rating: 90 min',
    );
    // A formula's cached result, not the formula.
    expect(out.sections!.find((s) => s.location?.sheet === 'Summary')!.text).toBe('Tab: Steel · Open items: 1');
    // Header rows are not repeated as rows of their own.
    expect(
      out
        .sections!.filter((s) => s.location?.sheet === 'Steel')
        .map((s) => s.location!.rowStart)
        .slice(0, 3),
    ).toEqual([1, 4, 5]);
  });

  it('knows .xlsx by its extension', () => {
    expect(mimeTypeFor('Submittal Log.xlsx')).toBe(XLSX);
    expect(isSupported('application/octet-stream', 'log.xlsx')).toBe(true);
  });
});

describe('slide decks (pptx)', () => {
  it('gives every slide a section with its number, title, text, table and speaker notes', async () => {
    const out = await extractText(await makeOacDeck(), PPTX, 'oac.pptx');
    expect(out.title).toBe('OAC Meeting 14');
    expect(out.sections!.map((s) => [s.location, s.heading])).toEqual([
      [{ slide: 1 }, 'Slide 1 · OAC Meeting 14'],
      [{ slide: 2 }, 'Slide 2 · Schedule Update'],
      [{ slide: 3 }, 'Slide 3 · Safety'],
    ]);
    const s2 = out.sections![1].text;
    expect(s2).toContain('Level 3 deck pour moved to October 20 because of the late rebar delivery.');
    expect(s2).toContain('Roof dry-in | December 4');
    expect(s2).toContain('Speaker notes: Tell the owner the float on the roof dry-in is two days.');
    expect(out.sections![2].text).not.toContain('Speaker notes');
  });
});

describe('unreadable office files give a clear error', () => {
  const cases = [
    ['spreadsheet', XLSX, 'log.xlsx'],
    ['presentation', PPTX, 'oac.pptx'],
    ['document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'spec.docx'],
  ] as const;

  it.each(cases)('a password-protected %s is "encrypted", with what to do', async (kind, mime, name) => {
    const err = await extractText(encryptedOfficeFile(), mime, name).catch((e) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err.reason).toBe('encrypted');
    expect(err.message).toBe(`the ${kind} is encrypted (password protected): save an unprotected copy to index it`);
  });

  it.each(cases)('a corrupt %s is "corrupt" and names the file', async (_kind, mime, name) => {
    const err = await extractText(Buffer.from('PK\u0003\u0004 truncated zip'), mime, name).catch((e) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err.reason).toBe('corrupt');
    expect(err.message).toMatch(/corrupt|could not read/);
  });

  it('a zip that is not a deck says which part is missing', async () => {
    const zip = new JSZip();
    zip.file('hello.txt', 'not a presentation');
    const err = await extractText(Buffer.from(await zip.generateAsync({ type: 'nodebuffer' })), PPTX, 'x.pptx').catch((e) => e);
    expect(err.message).toBe('corrupt presentation: ppt/presentation.xml is missing');
  });
});
