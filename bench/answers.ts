// `npm run eval:answers [-- --json] [--verbose] [--set sample|riverside]`
// End-to-end answer quality of the offline composer: each judged question is answered by the
// real RagAnswerer over a knowledge base ingested through the real pipeline (offline embedder),
// and the answer is scored against the fact it must state and the document it must cite.
// Two corpora: the sample knowledge base (samples/) and a second, smaller project written for
// this harness (bench/answers/riverside/), with minutes at two dates, a later RFI log, specs
// extracted as hard-wrapped text, a contract and its GMP amendment, and a blank template.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { RagAnswerer } from '../src/core/answer/rag.js';
import type { Answer } from '../src/core/answer/types.js';
import { EmbeddedDatabase } from '../src/core/db/embedded.js';
import { migrate } from '../src/core/db/migrate.js';
import { CachedEmbedder } from '../src/core/embed/cache.js';
import { createEmbedder } from '../src/core/embed/index.js';
import { ensureEmbeddingSpace } from '../src/core/embed/space.js';
import { ingest } from '../src/core/ingest/index.js';
import { HybridSearcher, searchSettings } from '../src/core/search/search.js';
import { FolderSource } from '../src/core/sources/folder.js';
import { OPERATOR_SCOPE } from '../src/core/access/scope.js';
import { judgeAnswer, summarise, type Judged, type JudgedQuestion } from './answers/judge.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    set: { type: 'string', multiple: true },
  },
});

interface Set {
  name: string;
  root: string;
  questions: JudgedQuestion[];
}

function loadSets(): Set[] {
  const read = (f: string) => JSON.parse(readFileSync(resolve(f), 'utf8')) as JudgedQuestion[];
  // The eight end-to-end facts of samples/eval/answers.json are part of the sample set, as plain questions.
  const legacy = (
    JSON.parse(readFileSync(resolve('samples/eval/answers.json'), 'utf8')) as { question: string; document: string; accept: string[] }[]
  ).map((e): JudgedQuestion => ({ class: 'plain', question: e.question, documents: [e.document], accept: e.accept }));
  const all: Set[] = [
    { name: 'sample', root: 'samples/knowledge-base', questions: [...legacy, ...read('bench/answers/sample-kb.json')] },
    { name: 'riverside', root: 'bench/answers/riverside', questions: read('bench/answers/riverside.json') },
  ];
  return values.set?.length ? all.filter((s) => values.set!.includes(s.name)) : all;
}

async function run(set: Set) {
  const config = loadConfig();
  const db = await EmbeddedDatabase.open();
  try {
    await migrate(db);
    const embedder = createEmbedder(config);
    await ensureEmbeddingSpace(db, embedder);
    const cached = new CachedEmbedder(db, embedder);
    process.stderr.write(`${set.name}: ingesting ${set.root} …\n`);
    const s = await ingest({ db, embedder: cached }, new FolderSource(set.root));
    if (s.failed) throw new Error(`${set.name}: ${s.failed} documents failed to ingest: ${s.errors.map((e) => e.error).join('; ')}`);
    const searcher = new HybridSearcher(db, cached, searchSettings(config));
    const rag = new RagAnswerer({
      db,
      searcher,
      settings: {
        minConfidence: config.ANSWER_MIN_CONFIDENCE,
        matchCount: config.SEARCH_MATCH_COUNT,
        timeoutMs: config.ANSWER_TIMEOUT_MS,
        historyTurns: 3,
      },
    });
    const judged: Judged[] = [];
    for (const [i, q] of set.questions.entries()) {
      const a: Answer = await rag.answer(q.question, { access: OPERATOR_SCOPE });
      judged.push(judgeAnswer(q, a));
      process.stderr.write(`\r${set.name}: ${i + 1}/${set.questions.length} answered`);
    }
    process.stderr.write('\n');
    return {
      set: set.name,
      documents: s.added + s.changed + s.unchanged,
      chunks: s.chunks,
      embedder: embedder.id,
      judged,
      summary: summarise(judged),
    };
  } finally {
    await db.close();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const results = [];
for (const set of loadSets()) results.push(await run(set));
if (values.json) {
  console.log(JSON.stringify(results.map((r) => ({ set: r.set, embedder: r.embedder, ...r.summary }))));
} else {
  for (const r of results) {
    const s = r.summary;
    console.log(
      `\n${r.set}: ${r.documents} documents (${r.chunks} chunks), ${s.questions} answerable + ${s.nonsense} nonsense questions, embedder ${r.embedder}`,
    );
    console.log(
      `right ${s.right}/${s.questions} (${pct(s.rightRate)})  clean ${s.clean}/${s.questions} (${pct(s.cleanRate)})  cut bullets ${s.cutBullets}  undated sources ${s.undatedSources}  noise bullets ${s.noiseBullets}  bullets ${s.bullets}`,
    );
    console.log(
      `confident-wrong ${s.confidentWrong}  confident answers to nonsense ${s.confidentNonsense}/${s.nonsense}  hedged ${s.hedged}`,
    );
    console.log('class         right  clean');
    for (const [cls, c] of Object.entries(s.byClass)) console.log(`${cls.padEnd(12)}  ${`${c.right}/${c.n}`.padEnd(5)}  ${c.clean}/${c.n}`);
    for (const j of r.judged)
      if (values.verbose || !j.ok)
        console.log(
          `\n[${j.verdict}] ${j.question}${j.problems.length ? `\n  problems: ${j.problems.join('; ')}` : ''}\n  ${j.answer.replace(/\n/g, '\n  ')}`,
        );
  }
}
