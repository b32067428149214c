// `npm run bench:cli [-- --runs 5] [--json] [--bin other/bin/trajanus.mjs]`: how long `trajanus <command>` takes to start and
// finish, against `node -e ''` measured in the same run (the floor any Node CLI sits on), as a
// ratio; for each ask, the answer's share of the wall time and of the time above that floor. Rounds interleave the commands, so load from other processes spreads over all of them.
// Runs the real CLI (`node bin/trajanus.mjs`) on an embedded database in a temporary folder,
// with a two-document knowledge base ingested first (not timed), and the offline defaults.
// `ask (bot)` cases ask a `trajanus start` running on a second copy of that database, which answers
// them over its data folder's socket (src/commands/resident.ts) instead of the command opening it.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { SOCKET_FILE } from '../src/commands/resident-client.js';

const run = promisify(execFile);
const { values } = parseArgs({
  // --bin: another tree's entry point (an older checkout), to compare with this one in the same conditions.
  options: { runs: { type: 'string', default: '5' }, json: { type: 'boolean', default: false }, bin: { type: 'string' } },
});
const runs = Number(values.runs);
const BIN = resolve(values.bin ?? resolve(import.meta.dirname, '../bin/trajanus.mjs'));
const dir = mkdtempSync(join(tmpdir(), 'trajanus-bench-cli-'));
const kb = join(dir, 'kb');
mkdirSync(kb);
writeFileSync(
  join(kb, 'hot-work.md'),
  '# Hot work permits\n\nA hot work permit is valid for one shift. A fire watch stays 60 minutes after hot work ends.\n',
);
writeFileSync(join(kb, 'rfi.md'), '# RFI procedure\n\nRequests for information are answered within five working days.\n');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  TRAJANUS_DATA_DIR: join(dir, 'data'),
  KNOWLEDGE_DIR: kb,
  LOG_LEVEL: 'silent',
  EMBEDDING_PROVIDER: 'local',
};
for (const k of ['DATABASE_URL', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN', 'DRIVE_FOLDER_IDS']) delete env[k];
const botData = join(dir, 'data-bot');
const botEnv: NodeJS.ProcessEnv = { ...env, TRAJANUS_DATA_DIR: botData };

const QUESTION = 'How long is a hot work permit valid?';
// A question asked for the first time is not in the embeddings cache: the model must load and embed
// it, as for most questions people ask. One trade word a round keeps each round's question new.
const TRADES = ['welder', 'roofer', 'glazier', 'plumber', 'electrician', 'mason', 'carpenter', 'painter', 'surveyor', 'tiler'];
const newQuestion = (round: number) =>
  `How long is a hot work permit valid for the ${TRADES[round % TRADES.length]}${'s'.repeat(Math.floor(round / TRADES.length))}?`;
const cases: { name: string; args: string[] | ((round: number) => string[]); bin?: boolean; env?: NodeJS.ProcessEnv }[] = [
  { name: "node -e ''", args: ['-e', ''], bin: false },
  { name: 'help', args: ['help'] },
  { name: 'config', args: ['config'] },
  { name: 'status', args: ['status'] },
  { name: 'jobs list', args: ['jobs', 'list'] },
  { name: 'search', args: ['search', QUESTION] },
  { name: 'ask', args: ['ask', QUESTION, '--json'] },
  { name: 'ask (new q)', args: (r) => ['ask', newQuestion(r), '--json'] },
  { name: 'ask (bot)', args: ['ask', QUESTION, '--json'], env: botEnv },
  { name: 'ask (bot, new q)', args: (r) => ['ask', `${newQuestion(r)} (bot)`, '--json'], env: botEnv },
];
const ASKS = ['ask', 'ask (new q)', 'ask (bot)', 'ask (bot, new q)'];

async function time(args: string[], runEnv = env): Promise<{ ms: number; stdout: string }> {
  const start = performance.now();
  const { stdout } = await run(process.execPath, args, { env: runEnv, cwd: dir, timeout: 300_000, maxBuffer: 1 << 24 });
  return { ms: performance.now() - start, stdout };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let bot: ReturnType<typeof spawn> | undefined;
try {
  process.stderr.write('ingesting the bench knowledge base (not timed)…\n');
  await time([BIN, 'ingest', kb, '--json']);
  // The bot's stdin stays open: a terminal chat that waits, as `npm start` does in a terminal.
  bot = spawn(process.execPath, [BIN, 'start'], { env: botEnv, cwd: dir, stdio: ['pipe', 'ignore', 'inherit'] });
  for (let i = 0; !existsSync(join(botData, SOCKET_FILE)); i++) {
    if (bot.exitCode !== null || i > 3000) throw new Error('trajanus start did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const answerMs = new Map<string, number[]>(ASKS.map((n) => [n, []]));
  for (let r = 0; r < runs; r++) {
    for (const c of cases) {
      const args = typeof c.args === 'function' ? c.args(r) : c.args;
      const { ms, stdout } = await time(c.bin === false ? args : [BIN, ...args], c.env);
      samples.get(c.name)!.push(ms);
      answerMs.get(c.name)?.push(Number(JSON.parse(stdout).timings?.totalMs ?? Number.NaN));
    }
    process.stderr.write(`round ${r + 1}/${runs}\n`);
  }
  const floor = median(samples.get(cases[0].name)!);
  const rows = cases.map((c) => {
    const ms = median(samples.get(c.name)!);
    return { command: c.name, median_ms: Math.round(ms), ratio: Number((ms / floor).toFixed(1)) };
  });
  // Answering is what the answer itself reports (timings.totalMs: from the question to the composed
  // answer, the query's embedding included); everything else in the wall time is start-up and exit.
  // Node's own start is in every wall time and no change to trajanus can remove it, so the share is
  // also given of what is left above the floor: the part trajanus's own start-up competes with.
  const asks = ASKS.map((name) => {
    const wall = median(samples.get(name)!);
    const answer = median(answerMs.get(name)!);
    return {
      command: name,
      wall_ms: Math.round(wall),
      answer_ms: Math.round(answer),
      answer_share: Number((answer / wall).toFixed(2)),
      floor_ms: Math.round(floor),
      answer_share_above_floor: Number((answer / (wall - floor)).toFixed(2)),
    };
  });
  const load = loadavg().map((x) => Number(x.toFixed(2)));
  if (values.json) console.log(JSON.stringify({ runs, load, rows, asks }));
  else {
    console.log(`trajanus start-up, median of ${runs} runs (ratio to node -e '' in the same run), load average ${load.join(' ')}\n`);
    for (const r of rows) console.log(`  ${r.command.padEnd(17)} ${String(r.median_ms).padStart(6)} ms  ×${r.ratio}`);
    console.log('');
    for (const a of asks)
      console.log(
        `  ${a.command}: ${a.answer_ms} ms answering (retrieval + composing, as the answer reports it) of ${a.wall_ms} ms in all: ${Math.round(a.answer_share * 100)}%; of the ${a.wall_ms - a.floor_ms} ms above node -e '': ${Math.round(a.answer_share_above_floor * 100)}%`,
      );
  }
} finally {
  if (bot && bot.exitCode === null) {
    const gone = new Promise((done) => bot!.on('close', done));
    bot.stdin!.end();
    await gone;
  }
  rmSync(dir, { recursive: true, force: true });
}
