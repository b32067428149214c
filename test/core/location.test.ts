import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../src/core/chunk.js';
import { formatLocation, linkToLocation, mergeLocations } from '../../src/core/location.js';

describe('locations', () => {
  it('formats pages, page ranges, tabs with rows, slides and heading paths as citations show them', () => {
    expect(formatLocation({ page: 14 })).toBe('p. 14');
    expect(formatLocation({ page: 14, pageEnd: 15 })).toBe('pp. 14–15');
    expect(formatLocation({ sheet: 'Steel', rowStart: 40, rowEnd: 44 })).toBe('tab Steel, rows 40–44');
    expect(formatLocation({ sheet: 'Steel', rowStart: 7 })).toBe('tab Steel, row 7');
    expect(formatLocation({ slide: 3 })).toBe('slide 3');
    expect(formatLocation(undefined, ['Safety Plan', 'Hot Work'])).toBe('§ Safety Plan › Hot Work');
    expect(formatLocation(undefined, [])).toBeUndefined();
  });

  it('merges the locations of the pieces of one chunk into a page or row range', () => {
    expect(mergeLocations([{ page: 3 }, { page: 5 }, { page: 4 }])).toEqual({ page: 3, pageEnd: 5 });
    expect(
      mergeLocations([
        { sheet: 'Doors', rowStart: 12 },
        { sheet: 'Doors', rowStart: 13, rowEnd: 15 },
      ]),
    ).toEqual({ sheet: 'Doors', rowStart: 12, rowEnd: 15 });
    expect(mergeLocations([undefined, {}])).toBeUndefined();
  });

  it('links a PDF to its page, and leaves other links alone', () => {
    expect(linkToLocation('https://drive.google.com/file/d/1/view', { page: 14 }, 'application/pdf')).toBe(
      'https://drive.google.com/file/d/1/view#page=14',
    );
    expect(linkToLocation('file:///kb/spec.pdf#page=2', { page: 9 })).toBe('file:///kb/spec.pdf#page=9');
    expect(
      linkToLocation(
        'https://docs.google.com/spreadsheets/d/1',
        { sheet: 'Steel', rowStart: 2 },
        'application/vnd.google-apps.spreadsheet',
      ),
    ).toBe('https://docs.google.com/spreadsheets/d/1');
    expect(linkToLocation(null, { page: 1 })).toBeNull();
  });
});

describe('chunkDocument', () => {
  const opts = { maxTokens: 40, overlapTokens: 0 };

  it('gives every chunk of a PDF its own page, however short the pages', () => {
    const sections = [
      { text: 'Steel shall conform to ASTM A992.', location: { page: 1 } },
      { text: 'Bolts are ASTM F3125 Grade A325.', location: { page: 2 } },
      { text: Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '), location: { page: 3 } },
    ];
    const chunks = chunkDocument({ text: sections.map((s) => s.text).join('\n\n'), sections }, 'Spec', opts);
    expect(chunks.slice(0, 2).map((c) => c.location)).toEqual([{ page: 1 }, { page: 2 }]);
    expect(chunks.length).toBeGreaterThan(3); // page 3 is longer than one chunk
    expect(chunks.slice(2).every((c) => c.location?.page === 3 && c.location.pageEnd === undefined)).toBe(true);
    expect(chunks[0].content).toBe('Steel shall conform to ASTM A992.');
  });

  it('never lets a chunk cross from one tab or slide into the next, and names it in the context', () => {
    const sections = [
      { text: 'Item: W12x26 · Status: Approved', location: { sheet: 'Steel', rowStart: 3 }, heading: 'Steel' },
      { text: 'Item: W14x30 · Status: Revise', location: { sheet: 'Steel', rowStart: 4 }, heading: 'Steel' },
      { text: 'Item: Door 101 · Status: Open', location: { sheet: 'Doors', rowStart: 3 }, heading: 'Doors' },
    ];
    const chunks = chunkDocument({ text: '', sections }, 'Submittal Log', { maxTokens: 200, overlapTokens: 0 });
    expect(chunks.map((c) => [c.context, c.location])).toEqual([
      ['Submittal Log › Steel', { sheet: 'Steel', rowStart: 3, rowEnd: 4 }],
      ['Submittal Log › Doors', { sheet: 'Doors', rowStart: 3 }],
    ]);
  });

  it('chunks a document without sections on its headings, as before', () => {
    const chunks = chunkDocument({ text: '# A\n\nOne.\n\n## B\n\nTwo.' }, 'A', opts);
    expect(chunks.map((c) => [c.context, c.location])).toEqual([
      ['A', undefined],
      ['A › B', undefined],
    ]);
  });
});
