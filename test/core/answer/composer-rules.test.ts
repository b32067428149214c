// The composer's rules for each failure class of issue 14, on small made-up passages (not the
// eval's questions): a rule must help any question of its class, so each is tested on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeParts, type ComposePart } from '../../../src/core/answer/composer.js';
import { weighConcepts } from '../../../src/core/answer/weights.js';
import type { Database } from '../../../src/core/db/types.js';
import type { DocumentHit } from '../../../src/core/search/types.js';
import { questionPart } from '../../../src/core/wording/question.js';
import { migratedMemoryDb } from '../../helpers/db.js';

let n = 0;
function doc(title: string, chunks: string[], context = title): DocumentHit {
  const documentId = `00000000-0000-0000-0000-${String(++n).padStart(12, '0')}`;
  return {
    documentId,
    fileId: `f${n}`,
    title,
    url: null,
    path: `${title.toLowerCase().replace(/\W+/g, '-')}.md`,
    category: null,
    docType: null,
    score: 1,
    relevance: 1,
    chunks: chunks.map((content, i) => ({
      chunkId: `${documentId}-${i}`,
      documentId,
      chunkIndex: i,
      content,
      context,
      score: 1,
      coverage: 1,
      relevance: 1,
    })),
  };
}

describe('composer rules by failure class', () => {
  let db: Database;
  beforeAll(async () => {
    db = await migratedMemoryDb();
  });
  afterAll(() => db.close());

  async function answer(question: string, docs: DocumentHit[], dates = new Map<string, string>()) {
    const p = questionPart(question);
    const part: ComposePart = { ...p, concepts: await weighConcepts(db, p.concepts), docs };
    return composeParts(db, [part], dates);
  }
  const bullets = (text: string) => text.split('\n').filter((l) => l.startsWith('•'));

  it('current state: the row whose status cell holds the state leads, not one whose subject shares the word', async () => {
    const log = doc('Submittal log', [
      'submittal_no: SUB-101; description: Door opening hardware; date_received: 2026-05-01; status: Closed',
      'submittal_no: SUB-102; description: Roof membrane; date_received: 2026-05-03; status: Open',
      'submittal_no: SUB-103; description: Glazing; date_received: 2026-05-04; status: Closed',
    ]);
    const minutes = doc('Meeting minutes', ['Submittals still open: SUB-099 and SUB-100.']);
    const dates = new Map([
      [log.documentId, '2026-05-20'],
      [minutes.documentId, '2026-04-02'],
    ]);
    // The log is ranked below the minutes, as a search that counts the word "open" would rank it.
    const filler = ['Pumps', 'Hoists', 'Scaffolds'].map((t) => doc(t, [`${t} are inspected each week by the foreman.`]));
    const c = await answer('Which submittals are still open?', [minutes, ...filler, log], dates);
    const b = bullets(c.text);
    expect(b[0]).toMatch(/SUB-102/);
    expect(c.text).not.toMatch(/SUB-101|SUB-103/);
    expect(c.text).toMatch(/^As of 2026-05-20/);
    expect(c.text).toMatch(/Older \(2026-04-02, Meeting minutes\): Submittals still open/);
  });

  it('current state of a named item: its own row answers, whatever its state; a row that only mentions it does not', async () => {
    const log = doc('Submittal log', [
      'submittal_no: SUB-210; description: Anchor bolts; date_returned: 2026-06-02; status: Returned; action: Revise and resubmit',
    ]);
    const other = doc('Change log', ['pco_no: PCO-9; description: Extra bolts; notes: see SUB-210; status: Approved']);
    const minutes = doc('Meeting minutes', ['SUB-210 is still with the engineer and not approved yet.']);
    const dates = new Map([
      [log.documentId, '2026-06-05'],
      [other.documentId, '2026-06-09'],
      [minutes.documentId, '2026-05-28'],
    ]);
    const c = await answer('Is SUB-210 approved yet?', [minutes, other, log], dates);
    expect(bullets(c.text)[0]).toMatch(/^• SUB-210 — Anchor bolts .*status: Returned/);
    expect(c.text).not.toMatch(/PCO-9/);
  });

  it('a who- or where-question is answered by a statement that names someone or somewhere, not one that repeats the words', async () => {
    const template = doc('Daily report template', ['The framing foreman signs this report at the end of each shift and hands it in.']);
    const directory = doc('Project directory', ['| Role | Name | Company |\n|---|---|---|\n| Foreman | L. Mbeki | Crestline Framing |']);
    const c = await answer('Who is the framing foreman?', [template, directory]);
    expect(bullets(c.text)[0]).toMatch(/L\. Mbeki/);
    // "where": a named place or a location on the job, not a sentence that only repeats the words asked.
    const plan = doc('Logistics', [
      'There is no visitor parking on the site at any time.',
      'Visitors park at the Elm Road garage and walk in.',
    ]);
    expect(bullets((await answer('Where do visitors park?', [plan])).text)).toEqual([expect.stringMatching(/Elm Road garage/)]);
  });

  it('a figure matches however either side writes it ("20 ft" asked, "twenty feet" written; "6 feet" asked, "6\'" written)', async () => {
    const fence = doc('Site logistics', ['The hoarding along the street is twenty feet high.']);
    expect((await answer('is the hoarding 20 ft high', [fence])).coverage[0]).toBe(1);
    const edge = doc('Fall protection', ["Guardrails are required at any edge over 6' above the level below."]);
    expect((await answer('guardrails at an edge over 6 feet', [edge])).coverage[0]).toBe(1);
  });

  it('one statement answers a question about one thing; a list question gets the near-ties of its source', async () => {
    const plan = doc('Fall protection plan', [
      'Top rail height: 42 inches plus or minus 3 inches above the walking level.',
      'The top rail must withstand 200 pounds applied within 2 inches of its top edge.',
      'Top rails are flagged at no more than 6-foot intervals.',
    ]);
    expect(bullets((await answer('How high is the top rail?', [plan])).text)).toEqual([
      expect.stringMatching(/^• Top rail height: 42 inches/),
    ]);
    const log = doc('Permit log', [
      'permit_no: HW-7; location: Level 2 roof; status: Open',
      'permit_no: HW-8; location: Level 3 deck; status: Open',
    ]);
    expect(bullets((await answer('Which hot work permits are still open?', [log])).text)).toHaveLength(2);
  });

  it('the words of a document title count for its statements: the one with the asked-for figure leads', async () => {
    const proc = doc('Masonry Hot-Weather Procedure', [
      'Hot weather exists when the air is above 90°F; the foreman checks the 5-day forecast each morning in hot weather.',
      '| Item | Limit |\n|---|---|\n| Curing period | wet cure for at least 3 days (72 hours) |',
    ]);
    const c = await answer('How long must masonry be cured in hot weather?', [proc]);
    expect(bullets(c.text)[0]).toMatch(/72 hours/);
  });
});
