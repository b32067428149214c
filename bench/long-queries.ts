// `npx tsx bench/long-queries.ts <beir-dir> [out-dir]` — derives a judged set of LONG queries from a
// BEIR set, reproducibly (seeded; same input → same files). Real questions in Slack are paragraphs
// ("We're pouring the level 3 deck Thursday, what do we need from the testing agency and how many
// cylinders per truck?"): context, the question, a related aside, a restatement of what matters.
// For each judged query A the long query is
//   an opener (no topic words) + A + the judged query B whose relevant set overlaps A's most
//   (a related question a person would ask in the same breath; none if no other query shares a
//   relevant document) + a restatement of two of A's own words, picked at random (people repeat
//   their key words) + a closer,
// and it is judged with A's judgments only, so B's words are realistic noise. The corpus is the
// source's (a symlink), so the eval ingests it once for both sets.
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadBeir } from './beir.js';
import { mulberry32 } from './random.js';

const OPENERS = [
  "I'm putting a summary together for the team this week and I'm stuck on one point.",
  'Quick question before our meeting tomorrow, I could not find this in my notes.',
  'We have been going back and forth on this internally and nobody is sure.',
  'Hoping you can help me with something that came up on a call this morning.',
  'Before I write this up for my manager I want to check the background.',
  'A colleague asked me about this and I realised I did not know the answer.',
];
const CLOSERS = [
  'Any pointers to where this is covered would be great, thanks.',
  'If there is something that answers this directly, please send it over.',
  'Even a partial answer would help me get started.',
  'Thanks in advance, I know it is a lot to ask.',
  'Let me know what you find, no rush but sooner is better.',
];
const RESTATE = [
  (a: string, b: string) => `What matters most to me is the ${a} and the ${b}.`,
  (a: string, b: string) => `To be clear, I mainly care about ${a}, and about ${b} as well.`,
  (a: string, b: string) => `So really it comes down to ${a} and ${b}.`,
];
const BRIDGES = ['Related to that,', 'On a similar note,', 'And while we are at it,', 'Also,'];
const STOP = new Set(
  'a about above after again all also an and any are as at be been being both but by can could did do does doing done each for from had has have how i if in into is it its just may me might more most must my no not of on or other our out over own same shall should so some such than that the their them then there these they this those through to too under up upon very was we were what when where which while who whom why will with would you your'.split(
    ' ',
  ),
);

const sentence = (q: string) => {
  const s = q
    .trim()
    .replace(/\s+([.?!,;:])/g, '$1')
    .replace(/[\s.?!]+$/, '');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}?`;
};

/** Writes `<out>/{corpus.jsonl → source, queries.jsonl, qrels/test.tsv}` and returns `out`. */
export async function buildLongQuerySet(srcDir: string, outDir?: string, seed = 16): Promise<string> {
  const src = resolve(srcDir);
  const ds = await loadBeir(src);
  const out = resolve(outDir ?? join('bench', '.data', `${ds.name}-long`));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'qrels'), { recursive: true });
  symlinkSync(join(src, 'corpus.jsonl'), join(out, 'corpus.jsonl'));
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const ids = [...ds.queries.keys()];
  const lines: string[] = [];
  for (const a of ids) {
    const relA = ds.qrels.get(a)!;
    let best: string | undefined;
    let bestOverlap = 0;
    for (const b of ids) {
      if (b === a) continue;
      const relB = ds.qrels.get(b)!;
      let shared = 0;
      for (const d of relB.keys()) if (relA.has(d)) shared++;
      const overlap = shared / (relA.size + relB.size - shared);
      if (overlap > bestOverlap) [best, bestOverlap] = [b, overlap];
    }
    const text = ds.queries.get(a)!;
    const content = [...new Set(text.toLowerCase().match(/[a-z][a-z-]{3,}/g) ?? [])].filter((w) => !STOP.has(w));
    const parts = [pick(OPENERS), sentence(text)];
    if (best) parts.push(`${pick(BRIDGES)} ${sentence(ds.queries.get(best)!).replace(/^./, (c) => c.toLowerCase())}`);
    if (content.length >= 2) {
      const i = Math.floor(rand() * content.length);
      let j = Math.floor(rand() * (content.length - 1));
      if (j >= i) j++;
      parts.push(pick(RESTATE)(content[i], content[j]));
    }
    parts.push(pick(CLOSERS));
    lines.push(JSON.stringify({ _id: a, text: parts.join(' ') }));
  }
  writeFileSync(join(out, 'queries.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(out, 'qrels', 'test.tsv'), readFileSync(join(src, 'qrels', 'test.tsv')));
  writeFileSync(
    join(out, 'README.md'),
    `Generated by bench/long-queries.ts from ${basename(src)} (seed ${seed}): ${lines.length} long queries, judged with the source query's judgments.\n`,
  );
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename ?? '')) {
  const [src, out] = process.argv.slice(2);
  if (!src || !existsSync(src)) {
    console.error('usage: npx tsx bench/long-queries.ts <beir-dir> [out-dir]');
    process.exit(2);
  }
  console.log(await buildLongQuerySet(src, out));
}
