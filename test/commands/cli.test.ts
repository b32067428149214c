// The `trajanus` entry point itself, run as a user runs it (`node bin/trajanus.mjs …`).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_FILE } from '../../src/commands/resident-client.js';
import { cliEnv, ROOT as root, runCli } from '../helpers/cli.js';
const tmp = mkdtempSync(join(tmpdir(), 'trajanus-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI with no .env and the offline defaults, in `tmp`. */
function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; closeStdout?: boolean; nodeArgs?: string[] } = {}) {
  return runCli(args, { ...opts, cwd: tmp, env: { TRAJANUS_DATA_DIR: join(tmp, 'data'), ...opts.env } });
}

/**
 * The bare packages a command imports (a module resolve hook records them; nothing is timed). With
 * `all`, every module it loads that is not a node: built-in instead, as a path from the root or a URL.
 */
async function packagesLoaded(args: string[], env: NodeJS.ProcessEnv = {}, all = false): Promise<Set<string>> {
  const file = join(tmp, `imports-${args.join('-').replace(/[^\w-]/g, '_')}${all ? '-all' : ''}.txt`);
  writeFileSync(file, '');
  const r = await cli(args, {
    env: { ...env, RECORD_IMPORTS: file, RECORD_IMPORTS_ALL: all ? '1' : '' },
    nodeArgs: ['--import', join(root, 'test/helpers/record-imports.mjs')],
  });
  expect(r.stderr).toBe('');
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return new Set(all ? lines.map((u) => (u.startsWith(pathToFileURL(root).href) ? relative(root, fileURLToPath(u)) : u)) : lines);
}

const HEAVY = [
  'googleapis',
  '@slack/bolt',
  '@electric-sql/pglite',
  '@energetic-ai/embeddings',
  'openai',
  '@anthropic-ai/sdk',
  'unpdf',
  'mammoth',
];

describe('trajanus (entry point)', () => {
  it('exits quietly when the reader of its output goes away (`trajanus … | head -1`)', async () => {
    for (const args of [['help'], ['config', '--markdown']]) {
      const r = await cli(args, { closeStdout: true });
      expect(r.stderr, args.join(' ')).not.toMatch(/EPIPE|Error/);
      expect(r.code, args.join(' ')).toBe(0);
    }
  });

  it('lists every command in `help` without loading any of them', async () => {
    const r = await cli(['help']);
    expect(r.code).toBe(0);
    for (const name of ['start', 'ask', 'search', 'ingest', 'jobs', 'health', 'config'])
      expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const loaded = await packagesLoaded(['help']);
    expect(HEAVY.filter((p) => loaded.has(p))).toEqual([]);
  });

  it('`config` loads no database, model, Slack or Drive library', async () => {
    const loaded = await packagesLoaded(['config']);
    expect(loaded.has('zod')).toBe(true); // the hook does record what is loaded
    expect(HEAVY.filter((p) => loaded.has(p))).toEqual([]);
  });

  it('`jobs list` opens the database but loads no Drive, Slack, embedding model or document parser', async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    const loaded = await packagesLoaded(['jobs', 'list']);
    expect(loaded.has('@electric-sql/pglite')).toBe(true);
    expect(loaded.has('node-cron')).toBe(true); // the next run of each schedule
    expect([...HEAVY, '@slack/web-api'].filter((p) => p !== '@electric-sql/pglite' && loaded.has(p))).toEqual([]);
  });

  it('`jobs run` prints a human summary, and the outcome as JSON with --json', async () => {
    const text = await cli(['jobs', 'run', 'cache-evict']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^cache-evict: done \(run [0-9a-f-]{36}\)\n {2}deleted stale +0\n/);
    const json = await cli(['jobs', 'run', 'cache-evict', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'ok', summary: { deletedStale: 0 } });
  });
});

describe('trajanus ask and search on a small knowledge base', () => {
  const kb = join(tmp, 'kb');
  const env = { TRAJANUS_DATA_DIR: join(tmp, 'data-kb'), KNOWLEDGE_DIR: kb };
  beforeAll(async () => {
    mkdirSync(join(kb, 'safety'), { recursive: true });
    writeFileSync(
      join(kb, 'safety/hot-work.md'),
      '# Hot work permits\n\nA hot work permit is valid for one shift. A fire watch stays sixty minutes after hot work ends.\n',
    );
    writeFileSync(join(kb, 'rfi.md'), '# RFI procedure\n\nRequests for information are answered within five working days.\n');
    const r = await cli(['ingest', kb, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
  });

  it('`ask` reads the question from stdin when none is given, control characters and all', async () => {
    const r = await cli(['ask', '--json'], { env, input: 'How long is a hot\u0000work permit valid?\n' });
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.noAnswer).toBe(false);
    expect(a.answer).toMatch(/one shift/);
  });

  it('`search` shows a score that means the same across queries: a nonsense query is not a perfect match', async () => {
    const good = await cli(['search', 'hot work permit', '-k', '1'], { env });
    const nonsense = await cli(['search', 'zebra quantum marmalade', '-k', '1'], { env });
    expect(good.code, good.stderr).toBe(0);
    expect(nonsense.code, nonsense.stderr).toBe(0);
    for (const r of [good, nonsense]) expect(r.stdout).not.toMatch(/score 1\.000/);
    expect(good.stdout).toMatch(/Hot work permits {2}matches 100% of the query {2}lexical #1 \(BM25 \d+\.\d\d\)/);
    expect(nonsense.stdout).toMatch(/matches 0% of the query {2}lexical – {2}dense #1 \(cosine -?\d\.\d\d\)/);
  });

  it('an offline `ask` loads no API client (OpenAI, Anthropic), Slack, Drive or document parser', async () => {
    const loaded = await packagesLoaded(['ask', 'How long is a hot work permit valid?'], env);
    expect(loaded.has('@electric-sql/pglite')).toBe(true); // the hook does record what is loaded
    expect(['openai', '@anthropic-ai/sdk', 'googleapis', '@slack/bolt', 'unpdf', 'mammoth'].filter((p) => loaded.has(p))).toEqual([]);
  });

  it('`ask` with nothing on stdin says how to ask', async () => {
    const r = await cli(['ask'], { env, input: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give a question/);
  });
});

describe('trajanus ask, search, status, health and jobs while `trajanus start` runs on the embedded database', () => {
  const kb = join(tmp, 'kb-resident');
  const data = join(tmp, 'data-resident');
  const env = { TRAJANUS_DATA_DIR: data, KNOWLEDGE_DIR: kb, BACKUP_DIR: join(tmp, 'backups-resident') };

  /** `trajanus start` as a terminal chat whose stdin stays open, until the data folder's socket is served. */
  async function startBot(): Promise<ChildProcess> {
    // A killed bot's socket file would pass for this one's before it serves.
    rmSync(join(data, SOCKET_FILE), { force: true });
    const child = spawn(process.execPath, [join(root, 'bin/trajanus.mjs'), 'start'], {
      cwd: tmp,
      env: cliEnv(env),
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    for (let i = 0; !existsSync(join(data, SOCKET_FILE)); i++) {
      if (child.exitCode !== null || i > 1200) throw new Error(`start did not serve its socket:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return child;
  }
  const exited = (child: ChildProcess) => new Promise<number | null>((done) => child.on('close', done));

  beforeAll(() => {
    mkdirSync(join(kb, 'safety'), { recursive: true });
    writeFileSync(join(kb, 'safety/hot-work.md'), '# Hot work permits\n\nA hot work permit is valid for one shift.\n');
  });

  it('are answered by the running process (which holds the folder) without opening the database, and start cleans up', async () => {
    const bot = await startBot();
    try {
      const ask = await cli(['ask', '--json', 'How long is a hot work permit valid?'], { env });
      expect(ask.code, ask.stderr).toBe(0);
      expect(JSON.parse(ask.stdout)).toMatchObject({ noAnswer: false, answer: expect.stringMatching(/one shift/) });
      const text = await cli(['ask', 'How long is a hot work permit valid?'], { env });
      expect(text.stdout).toMatch(/one shift[\s\S]*\nAnswered as for: the operator \(every document\)\n$/);
      const search = await cli(['search', 'hot work permit', '-k', '1'], { env });
      expect(search.code, search.stderr).toBe(0);
      expect(search.stdout).toMatch(/^ 1\. Hot work permits {2}matches 100% of the query/);
      // Usage the running process finds wrong is reported as the command itself would.
      const unknown = await cli(['ask', '--as', 'ann@acme.com', '--channel', 'C999', 'hot work?'], { env });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/^trajanus ask: the channel C999 is not known here/);
      // Served, an ask loads no database or model of its own, nor zod or the configuration: the entry
      // point, the compiled-tree check and the socket's client, which needs only node: built-ins.
      for (const args of [
        ['ask', 'How long is a hot work permit valid?'],
        ['search', 'hot work permit'],
      ]) {
        const modules = await packagesLoaded(args, env, true);
        expect([...modules].sort(), args[0]).toEqual([
          'bin/compiled.mjs',
          'bin/trajanus.mjs',
          'dist/cli.js',
          'dist/commands/index.js',
          'dist/commands/resident-client.js',
          'dist/data-dir.js',
        ]);
      }
    } finally {
      bot.stdin!.end();
    }
    expect(await exited(bot)).toBe(0);
    expect(existsSync(join(data, SOCKET_FILE))).toBe(false);
  }, 300_000);

  it('status, health and jobs list are answered by the running process, as they print once it has stopped; jobs run runs there', async () => {
    const cases = [
      ['status'],
      ['status', '--json'],
      ['health'],
      ['health', '--json'],
      ['jobs', 'list'],
      ['jobs', 'list', '--json'],
      ['jobs', 'run', 'nope'],
    ];
    // When the report was made, and the database's size on disk (the bot's shutdown checkpoints), may move; nothing else may.
    const stable = (text: string) =>
      text
        .replace(/\d+(\.\d+)? [KMG]?B\b/g, 'N B')
        .replace(/("databaseBytes": )\d+/g, '$1N')
        .replace(/("at": ")[^"]+/g, '$1…')
        // the next run of an hourly job, should the hour turn between the two runs
        .replace(/next \S+/g, 'next …')
        .replace(/("nextRun": ")[^"]+/g, '$1…');
    const runEach = async () => {
      const out = [];
      for (const args of cases) {
        const r = await cli(args, { env });
        out.push({ args: args.join(' '), code: r.code, stdout: stable(r.stdout), stderr: r.stderr });
      }
      return out;
    };
    const bot = await startBot();
    let served: Awaited<ReturnType<typeof runEach>>;
    try {
      // A job run by the running process, under its scheduler's lock, with its configuration.
      const run = await cli(['jobs', 'run', 'cache-evict'], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^cache-evict: done \(run [0-9a-f-]{36}\)\n/);
      served = await runEach();
    } finally {
      bot.stdin!.end();
      await exited(bot);
    }
    expect(served.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 2]);
    expect(served[0].stdout).toMatch(/^database: embedded \(embedded PGlite at /);
    expect(served[2].stdout).toMatch(/^Documents +\d+\n/);
    expect(served[4].stdout).toMatch(/^cache-evict +0 4 \* \* \* +next … +last: ok /m);
    expect(served[6].stderr).toMatch(/^Unknown job "nope"\./);
    expect(await runEach()).toEqual(served);
  }, 300_000);

  it('after the process is killed, its leftover socket is ignored and ask opens the database itself', async () => {
    const bot = await startBot();
    const gone = exited(bot);
    bot.kill('SIGKILL');
    await gone;
    expect(existsSync(join(data, SOCKET_FILE))).toBe(true);
    const ask = await cli(['ask', 'How long is a hot work permit valid?'], { env });
    expect(ask.code, ask.stderr).toBe(0);
    expect(ask.stdout).toMatch(/one shift/);
    // The question on stdin, read before the socket turned out dead, still reaches the local ask.
    const piped = await cli(['ask', '--json'], { env, input: 'How long is a hot work permit valid?\n' });
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ noAnswer: false, answer: expect.stringMatching(/one shift/) });
  }, 300_000);

  it('print byte for byte what the command prints without them: answers, stdin questions, usage errors and --help', async () => {
    const q = 'How long is a hot work permit valid?';
    const cases: { args: string[]; input?: string }[] = [
      { args: ['ask', q] },
      { args: ['ask', '--json', q, '--category', 'safety'] },
      { args: ['ask', '--json'], input: 'How long is a hot\u0000work permit valid?\n' },
      { args: ['ask'], input: '' },
      { args: ['ask', '--channel', 'C1', q] },
      { args: ['ask', '--as', 'not an email', q] },
      { args: ['ask', '--bogus', q] },
      { args: ['ask', '--help'] },
      { args: ['search', 'hot work permit', '-k', '1'] },
      { args: ['search', '--json', 'hot work permit', '--mode', 'lexical'] },
      { args: ['search', 'hot work permit', '--mode', 'sideways'] },
      { args: ['search', 'hot work permit', '-k', '0'] },
      { args: ['search'] },
      { args: ['search', '-h'] },
    ];
    // What varies from one run to the next: durations and the logged query's id.
    const stable = (text: string) =>
      text
        .replace(/("\w*Ms": )[\d.]+/g, '$10')
        .replace(/\d+ ms/g, 'N ms')
        .replace(/("queryId": ")[0-9a-f-]{36}/g, '$1…');
    // One at a time: without the bot, each opens the folder, which is one process's.
    const runEach = async () => {
      const out = [];
      for (const c of cases) {
        const r = await cli(c.args, { env, input: c.input });
        out.push({ args: c.args.join(' '), code: r.code, stdout: stable(r.stdout), stderr: stable(r.stderr) });
      }
      return out;
    };
    expect((await cli(['ingest', kb], { env })).code).toBe(0);
    const local = await runEach();
    expect(local.map((r) => r.code)).toEqual([0, 0, 0, 2, 2, 2, 1, 0, 0, 0, 2, 2, 2, 0]);
    for (const i of [0, 1, 2]) expect(local[i].stdout).toMatch(/one shift/);
    const bot = await startBot();
    try {
      // The bot holds the folder: a command that tried to open it here would fail, not match.
      expect(await runEach()).toEqual(local);
    } finally {
      bot.stdin!.end();
      await exited(bot);
    }
  }, 300_000);

  it('find the folder as the configuration does (a relative TRAJANUS_DATA_DIR from .env), and leave DATABASE_URL to the local path', async () => {
    const bot = await startBot();
    try {
      // Without TRAJANUS_DATA_DIR in the environment: .env in the working directory names the folder, relative to it.
      const { TRAJANUS_DATA_DIR: _, ...noDir } = env;
      const cwd = join(tmp, 'elsewhere');
      mkdirSync(cwd, { recursive: true });
      writeFileSync(join(cwd, '.env'), `TRAJANUS_DATA_DIR=${relative(cwd, data)}\n`);
      const ask = await runCli(['ask', 'How long is a hot work permit valid?'], { cwd, env: noDir });
      expect(ask.code, ask.stderr).toBe(0);
      expect(ask.stdout).toMatch(/one shift/);
      // DATABASE_URL selects PostgreSQL: nothing is sent to the embedded folder's process, and the
      // local path reports what is wrong with it, as it does without a running bot.
      const pg = await cli(['ask', 'hot work?'], { env: { ...env, DATABASE_URL: 'not a url' } });
      expect(pg.code).toBe(1);
      expect(pg.stderr).toMatch(/^Invalid configuration:\n {2}- DATABASE_URL: /);
    } finally {
      bot.stdin!.end();
      await exited(bot);
    }
  }, 300_000);
});
