import { describe, expect, it } from 'vitest';
import { readRevision, revisionOrder, statedDate } from '../../src/core/revisions/mark.js';
import { describeStanding, preferLatest } from '../../src/core/revisions/family.js';
import type { DocumentHit } from '../../src/core/search/types.js';

describe('revision marks', () => {
  it.each([
    ['Structural Specs 05 12 00 Rev C', 'Rev C', 'structural specs 05 12 00'],
    ['Structural Specs 05 12 00 Rev. D.pdf', 'Rev D', 'structural specs 05 12 00'],
    ['Door Hardware Schedule R3', 'R3', 'door hardware schedule'],
    ['Door Hardware Schedule R4', 'R4', 'door hardware schedule'],
    ['Geotech Report Revision 2', 'Revision 2', 'geotech report'],
    ['ASI-004 Lobby Ceiling', 'ASI-004', 'lobby ceiling'],
    ['ASI 12 Lobby Ceiling', 'ASI-012', 'lobby ceiling'],
    ['Site Safety Plan', undefined, 'site safety plan'],
    ['Review of Revisions to the RFI Log', undefined, 'review of revisions to the rfi log'],
  ])('%s → %s', (title, mark, base) => {
    const r = readRevision(title, '');
    expect(r.mark).toBe(mark);
    expect(r.base).toBe(base);
  });

  it('takes a mark from the first page when the title has none, never from prose', () => {
    expect(readRevision('Spec 09 91 23', 'SECTION 09 91 23 PAINTING\nRevision 3 — issued for construction').mark).toBe('Revision 3');
    expect(readRevision('Spec 09 91 23', 'Revise and resubmit the paint submittal; reviewed by the architect.').mark).toBeUndefined();
  });

  it('orders letters and numbers upwards', () => {
    expect(revisionOrder('Rev B')).toBeLessThan(revisionOrder('Rev C'));
    expect(revisionOrder('Rev Z')).toBeLessThan(revisionOrder('Rev AA'));
    expect(revisionOrder('R3')).toBeLessThan(revisionOrder('R10'));
    expect(revisionOrder(undefined)).toBe(-1);
  });

  it('reads the date the document states, a labelled one first', () => {
    expect(statedDate('Printed 2026-01-05\nDate: October 2, 2026')).toBe('2026-10-02');
    expect(statedDate('Issued 10/02/2026 for construction')).toBe('2026-10-02');
    expect(statedDate('Meeting of 2 October 2026')).toBe('2026-10-02');
    expect(statedDate('no date, only 2026-13-40')).toBeUndefined();
  });
});

describe('revision standing', () => {
  const hit = (id: string): DocumentHit => ({
    documentId: id,
    fileId: id,
    title: id,
    url: null,
    path: null,
    category: null,
    docType: null,
    score: 1,
    relevance: 1,
    chunks: [],
  });

  it('drops a superseded revision found beside a latest that matches as well, keeps one found alone or matching far better', () => {
    const standings = new Map([
      ['C', { latest: false, newer: { documentId: 'D', title: 'D', revision: 'Rev D', date: '2026-10-02' }, earlier: [] }],
      ['D', { latest: true, earlier: [{ documentId: 'C', title: 'C', revision: 'Rev C', date: null }] }],
    ]);
    expect(preferLatest([hit('C'), hit('D'), hit('X')], standings).map((d) => d.documentId)).toEqual(['D', 'X']);
    expect(preferLatest([hit('C'), hit('X')], standings).map((d) => d.documentId)).toEqual(['C', 'X']);
    expect(preferLatest([hit('C'), { ...hit('D'), score: 0.3 }], standings).map((d) => d.documentId)).toEqual(['C', 'D']);
  });

  it('says where a revision stands', () => {
    const d = { documentId: 'D', title: 'Spec Rev D', revision: 'Rev D', date: '2026-10-02' };
    const c = { documentId: 'C', title: 'Spec Rev C', revision: 'Rev C', date: '2026-08-14' };
    expect(describeStanding('Rev D', '2026-10-02', { latest: true, earlier: [c] })).toBe('Rev D, 2026-10-02; an earlier Rev C also exists');
    expect(describeStanding('Rev C', '2026-08-14', { latest: false, newer: d, earlier: [] })).toBe(
      'Rev C, 2026-08-14; superseded: a newer Rev D (2026-10-02) exists',
    );
    expect(describeStanding('Rev D', null, undefined)).toBeUndefined();
  });
});
