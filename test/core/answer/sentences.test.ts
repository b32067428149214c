import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../../src/core/answer/sentences.js';
import { documentDate } from '../../../src/core/answer/dates.js';
import { checkFigures, unverifiedLine } from '../../../src/core/answer/figure-check.js';

const texts = (c: string) => splitStatements(c).map((s) => s.text);

describe('statements of a chunk', () => {
  it('rejoins hard-wrapped lines and does not end a sentence at an initial', () => {
    const spec = [
      'A. Submit mix designs for each class of concrete to the structural engineer of',
      'record, A. M. Delgado, P.E., at least 14 days before the first placement. Mix',
      'designs older than 12 months are not accepted.',
      'B. Slump at the point of placement shall be 4 inches plus or minus 1 inch unless a',
      'high-range water reducer is used.',
    ].join('\n');
    expect(texts(spec)).toEqual([
      'Submit mix designs for each class of concrete to the structural engineer of record, A. M. Delgado, P.E., at least 14 days before the first placement.',
      'Mix designs older than 12 months are not accepted.',
      'Slump at the point of placement shall be 4 inches plus or minus 1 inch unless a high-range water reducer is used.',
    ]);
    expect(texts('Only the Superintendent (R. Kowalski) signs hot work permits. The permit is valid for one shift.')).toEqual([
      'Only the Superintendent (R. Kowalski) signs hot work permits.',
      'The permit is valid for one shift.',
    ]);
  });

  it('keeps labelled header lines apart and drops template blanks and title lines', () => {
    const minutes =
      '**Project:** Harbor Point Medical Office Building (TB-2417) and more words here\n**Date / time:** Tuesday 2026-10-06, 10:00 AM – 11:25 AM';
    expect(texts(minutes)).toHaveLength(2);
    expect(texts('DAILY REPORT\n\nDate: ____________    Report No.: ______\nThe report is due by 5:00 PM each working day.')).toEqual([
      'The report is due by 5:00 PM each working day.',
    ]);
  });

  it('keeps a table row and a CSV row as one statement with its columns', () => {
    const [row] = splitStatements('| Item | Amount |\n|---|---|\n| Revised GMP. Incl. CO-003 | $12,573,350 |');
    expect(row.fields).toEqual([
      ['Item', 'Revised GMP. Incl. CO-003'],
      ['Amount', '$12,573,350'],
    ]);
    const csv = splitStatements('rfi_no: RFI-016; subject: Corroded lintel. East side; date_sent: 2026-02-26; status: Answered late');
    expect(csv).toHaveLength(1);
    expect(csv[0].fields).toContainEqual(['status', 'Answered late']);
  });
});

describe('document dates', () => {
  it('takes a labelled date, then the file name, then a log’s latest entry outside due dates', () => {
    expect(documentDate({ title: 'OAC 8', content: '# OAC 8\n**Date:** 2026-03-17, 9:00 AM\nNext meeting 2026-03-31' })).toBe('2026-03-17');
    expect(documentDate({ title: 'rfi log', path: 'logs/rfi-log-2026-03-24.csv', content: 'rfi_no: RFI-1; status: Open' })).toBe(
      '2026-03-24',
    );
    const log = [
      'a: 1; date_sent: 2026-10-01; date_required: 2026-11-30; status: Open',
      'a: 2; date_sent: 2026-10-20; date_required: 2026-12-30; status: Open',
      'a: 3; date_sent: 2026-09-02; date_answered: 2026-10-22; status: Answered',
    ].join('\n\n');
    expect(documentDate({ title: 'log', path: 'logs/rfi-log.csv', content: log })).toBe('2026-10-22');
    expect(documentDate({ title: 'Fall protection plan', content: 'Guardrails are 42 inches high.' })).toBeUndefined();
  });
});

describe('figure check', () => {
  const passages = new Map([
    [1, 'The Guaranteed Maximum Price (GMP) is **$12,480,000**. Retainage is 10% until 50% complete.'],
    [2, '| Revised GMP | $12,573,350 |\nThe perimeter fence is 8 feet high.'],
  ]);

  it('keeps figures that the cited passage holds, in any spelling', () => {
    const r = checkFigures('The original GMP is 12480000 dollars [1]. The fence is 8 ft high [2].\n- Retainage: 10 percent [1]', passages);
    expect(r.unverified).toEqual([]);
    expect(r.text).toBe('The original GMP is 12480000 dollars [1]. The fence is 8 ft high [2].\n- Retainage: 10 percent [1]');
  });

  it('removes a wrong figure, a right figure cited to the wrong source, and a figure with no citation', () => {
    const wrong = checkFigures('The GMP is $12,900,000 [1]. Retainage is 10% [1].', passages);
    expect(wrong.text).toBe('Retainage is 10% [1].');
    expect(wrong.unverified).toEqual([{ figure: '$12,900,000', cited: [1], foundIn: [] }]);
    const miscited = checkFigures('The revised GMP is $12,573,350 [1].', passages);
    expect(miscited.text).toBe('');
    expect(miscited.unverified).toEqual([{ figure: '$12,573,350', cited: [1], foundIn: [2] }]);
    const uncited = checkFigures('The GMP is $12,480,000 [1]. The fence is 8 feet high.', passages);
    expect(uncited.text).toBe('The GMP is $12,480,000 [1].');
    expect(uncited.unverified[0]).toMatchObject({ figure: '8 feet', cited: [], foundIn: [2] });
    expect(unverifiedLine(miscited.unverified, (n) => `S${n}`)).toBe(
      'Could not verify: $12,573,350 (not in “S1”, which it cited; it appears in “S2”). The statement with this figure was removed.',
    );
  });
});
