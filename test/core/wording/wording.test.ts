import { describe, expect, it } from 'vitest';
import { figureToken, figureTokens, figuresIn, sameFigure } from '../../../src/core/wording/figures.js';
import { namesAPlace, namesSomeone } from '../../../src/core/wording/names.js';
import { analyseQuestion, looksLikeCode, questionPart, splitQuestion } from '../../../src/core/wording/question.js';

const alts = (q: string) => questionPart(q).concepts.map((c) => c.alternatives);

describe('question wording', () => {
  it('gives abbreviations and slang the wording documents use', () => {
    expect(alts("Who is the owner's rep?")).toContainEqual(["owner's rep", "owner's representative"]);
    expect(alts('what are the LDs')).toContainEqual(['LDs', 'liquidated damages']);
    expect(alts('who is the GC')).toContainEqual(['GC', 'general contractor']);
    expect(alts("who's the super")).toContainEqual(['super', 'superintendent']);
    expect(alts('NTP date?')).toContainEqual(['NTP', 'notice to proceed']);
    // "CO-003" is an identifier, not the abbreviation CO.
    expect(alts('how much was CO-003').flat()).not.toContain('change order');
    expect(alts('Which RFIs are open')).toContainEqual(['RFIs', 'RFI']);
  });

  it('normalises figures written differently', () => {
    expect(alts('approve a 25000 dollar change')).toContainEqual(['25000 dollar', '$25,000']);
    expect(alts('a 10k change order').flat()).toContain('10,000');
    expect(alts('fence twenty feet high').flat()).toContain('20 feet');
    expect(alts('tie off at 6 ft').flat()).toEqual(expect.arrayContaining(['6 feet', '6 ft']));
    const [a] = figuresIn('25000 dollars');
    const [b] = figuresIn('$25,000');
    expect(sameFigure(a, b)).toBe(true);
    expect(sameFigure(figuresIn("6'")[0] ?? figuresIn('6 ft')[0], figuresIn('6 feet')[0])).toBe(true);
    expect(sameFigure(figuresIn('42 inches')[0], figuresIn('42 ft')[0])).toBe(false);
    expect(sameFigure(figuresIn('on 03-10')[0], figuresIn('dated 2026-03-10')[0])).toBe(true);
    // One token per figure, however written, so passages match on their side too.
    const token = (t: string) => figureToken(figuresIn(t)[0]);
    expect(token('twenty feet')).toBe(token('20 ft'));
    expect(token("20'")).toBe(token('20 feet'));
    expect(token('$25,000')).toBe(token('25k dollars'));
    expect(token('25000 dollars')).toBe(token('$25,000'));
    expect(token('42 inches')).not.toBe(token('42 ft'));
    expect(figureTokens('a 42 inch rail')).toEqual(expect.arrayContaining([token('42 in'), token('42')]));
    expect(alts('how much contingency is left').flat()).toContain('remaining');
  });

  it('keeps question words out of the concepts and notes what kind of answer is asked for', () => {
    const p = questionPart('How long must concrete be protected?');
    expect(p.concepts.flatMap((c) => c.alternatives)).not.toContain('long');
    expect(p.expects).toBe('duration');
    expect(questionPart('Which RFIs are still open?').wantsCurrent).toBe(true);
    expect(questionPart('What is the guardrail height?').wantsCurrent).toBe(false);
    expect(questionPart('Which RFIs are still open?').wantsList).toBe(true);
    expect(questionPart('what submittals are due this week').wantsList).toBe(true);
    expect(questionPart('How high are the midrails?').wantsList).toBe(false);
    expect(questionPart('What are the LDs?').wantsList).toBe(false);
  });

  it('knows a who-question wants a name, and tells a name from a role or a title', () => {
    expect(questionPart("Who's the super on the library job?").expects).toBe('person');
    expect(questionPart('who is the GC').expects).toBe('person');
    expect(questionPart('Where do workers park?').expects).toBe('place');
    expect(namesAPlace('Trucks stage on Mill Street.')).toBe(true);
    expect(namesAPlace('There is no worker parking on site.')).toBe(false);
    for (const t of [
      'Role: Superintendent; Name: T. J. Okafor',
      'signed by P. Nair',
      'the Superintendent (Renee Kowalski)',
      'Keel Roofing brings the sample',
    ])
      expect(namesSomeone(t), t).toBe(true);
    for (const t of [
      'The Superintendent submits this report to the Project Manager by 5:00 PM.',
      'DAILY REPORT',
      'Notice to Proceed on Monday',
    ])
      expect(namesSomeone(t), t).toBe(false);
    // The words the question used are not the answer's name.
    expect(namesSomeone('Halvorsen Construction is the GC.', new Set(['halvorsen']))).toBe(true);
    expect(namesSomeone('Level Three Corridor', new Set(['three', 'corridor']))).toBe(false);
  });

  it('splits a two-part question, and only a two-part one', () => {
    expect(splitQuestion('What were the original GMP and the revised GMP?')).toEqual([
      'What were the original GMP?',
      'What were the revised GMP?',
    ]);
    expect(splitQuestion('When are deliveries accepted and where do workers park?')).toEqual([
      'When are deliveries accepted?',
      'where do workers park?',
    ]);
    expect(splitQuestion('What PPE is required for cutting and welding?')).toHaveLength(1);
    expect(splitQuestion('In cold weather, what is the minimum temperature for footings and grade beams?')).toHaveLength(1);
    expect(splitQuestion('What is the lead time for the storefront and the curtain wall?')).toHaveLength(2);
    expect(splitQuestion('Is the hoist inspected? Who signs the permit?')).toHaveLength(2);
  });

  it('tells pasted SQL or code from a question', () => {
    expect(looksLikeCode('SELECT * FROM chunks WHERE 1=1; DROP TABLE documents;--')).toBe(true);
    expect(looksLikeCode('DROP TABLE chunks; SELECT id, content FROM chunks LIMIT 10')).toBe(true);
    expect(looksLikeCode('Can we drop the table saw from the site list?')).toBe(false);
    expect(looksLikeCode('Where do we set the crane for the roof units?')).toBe(false);
    expect(analyseQuestion('select the submittals due from the electrician').code).toBe(false);
  });
});
