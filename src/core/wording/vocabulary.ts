// The construction vocabulary a superintendent types and the documents do not always use:
// abbreviations, short forms and trade slang, each with the wording documents use. Small and
// known by the trade, so it is a table, not a model. Matching is on whole words; entries marked
// `caseSensitive` are ambiguous in lower case ("co", "or", "pm" as in 3 pm) and match only as typed.
export interface Term {
  /** What people type (regular-expression source, matched on word boundaries). */
  typed: string;
  /** How documents say it; the first is the preferred spelling. */
  written: string[];
  caseSensitive?: boolean;
}

export const VOCABULARY: Term[] = [
  { typed: "owner'?s? reps?|o\\.?r\\.", written: ["owner's representative"] },
  { typed: 'GCs?', written: ['general contractor'], caseSensitive: true },
  { typed: 'general contractor', written: ['contractor'] },
  { typed: 'supers?|supt', written: ['superintendent'] },
  { typed: 'asst\\.? supers?|assistant super', written: ['assistant superintendent'] },
  { typed: 'PMs?', written: ['project manager'], caseSensitive: true },
  { typed: 'PEs?', written: ['project engineer'], caseSensitive: true },
  { typed: 'EOR', written: ['engineer of record'], caseSensitive: true },
  { typed: 'LDs?|liquidated damage', written: ['liquidated damages'] },
  { typed: 'COs?', written: ['change order'], caseSensitive: true },
  { typed: 'CORs?', written: ['change order request'], caseSensitive: true },
  { typed: 'PCOs?', written: ['potential change order', 'PCO'], caseSensitive: true },
  { typed: 'NTP', written: ['notice to proceed'], caseSensitive: true },
  { typed: 'ntp', written: ['notice to proceed'] },
  { typed: 'GMP', written: ['guaranteed maximum price', 'GMP'], caseSensitive: true },
  { typed: 'SC|sub(stantial)? comp', written: ['substantial completion'], caseSensitive: true },
  { typed: 'subs?', written: ['subcontractor'] },
  { typed: 'pay apps?', written: ['pay application'] },
  { typed: 'SOV', written: ['schedule of values'], caseSensitive: true },
  { typed: 'PPE', written: ['personal protective equipment', 'PPE'], caseSensitive: true },
  { typed: 'JHA|JSA|AHA', written: ['job hazard analysis', 'pre-task plan'], caseSensitive: true },
  { typed: 'NCRs?', written: ['nonconformance report', 'NCR'], caseSensitive: true },
  { typed: 'O&M', written: ['operation and maintenance'] },
  { typed: 'specs?', written: ['specification', 'section'] },
  { typed: 'dwgs?', written: ['drawing'] },
  { typed: 'submittals?', written: ['submittal'] },
  { typed: 'look ?ahead', written: ['look-ahead'] },
  { typed: 'toolbox', written: ['toolbox talk'] },
  { typed: 'tie[- ]?off', written: ['tie-off', 'fall protection'] },
  { typed: 'pour', written: ['placement', 'pour'] },
  { typed: 'job', written: ['project'] },
  // "How much contingency is left?": budgets and logs say "remaining" or "balance".
  { typed: 'left|left over', written: ['remaining', 'balance'] },
  // English stemming leaves irregular forms apart ("taken" is not "take"): the common ones of site talk.
  { typed: 'taken|took', written: ['take'] },
  { typed: 'given|gave', written: ['give'] },
  { typed: 'held', written: ['hold'] },
  { typed: 'kept', written: ['keep'] },
  { typed: 'paid', written: ['pay'] },
  { typed: 'sent', written: ['send'] },
  { typed: 'built', written: ['build'] },
  { typed: 'made', written: ['make'] },
  { typed: 'done|did', written: ['do', 'complete'] },
  { typed: 'brought', written: ['bring'] },
  { typed: 'written|wrote', written: ['write'] },
];

const compiled = VOCABULARY.map((t) => ({ ...t, re: new RegExp(`(?<![\\w-])(?:${t.typed})(?![\\w-])`, t.caseSensitive ? 'g' : 'gi') }));

export interface TermMatch {
  /** The words as typed. */
  typed: string;
  /** Their document spellings. */
  written: string[];
  index: number;
}

/** Vocabulary terms found in a question, first match wins where two overlap. */
export function findTerms(question: string): TermMatch[] {
  const found: TermMatch[] = [];
  for (const t of compiled)
    for (const m of question.matchAll(t.re)) {
      const start = m.index!,
        end = start + m[0].length;
      if (found.some((f) => start < f.index + f.typed.length && f.index < end)) continue;
      found.push({ typed: m[0], written: t.written, index: start });
    }
  return found.sort((a, b) => a.index - b.index);
}
