// `npm start`: the bot and its scheduled jobs. With Slack credentials, the Slack app (Socket Mode
// or HTTP); without, a terminal chat on the same handler. The embedded default syncs the local
// knowledge folder first, so a fresh checkout answers questions out of the box.
import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { createServices, ingestDeps, type Services } from '../core/services.js';
import { existsSync } from 'node:fs';
import { IngestBusyError, IngestInterruptedError, type IngestSummary } from '../core/ingest/index.js';
import { ingestFolder } from '../core/ingest/folder.js';
import { FolderSource } from '../core/sources/folder.js';
import { driveConfigured } from '../core/sources/drive-config.js';
import { OPERATOR_SCOPE } from '../core/access/scope.js';
import { assertFolderRoot, FolderMismatchError, pendingFolderSwitch } from '../core/sources/folder-root.js';
import { QuestionHandler } from '../bot/handler.js';
import { runTerminalChat } from '../bot/terminal.js';
import { opsNotifierFromConfig } from '../bot/ops-notifier.js';
import { createScheduler, type Scheduler } from '../jobs/index.js';
import { loggerFromConfig } from '../core/log.js';
import { answerModelWarning } from '../core/answer/index.js';
import { serveResident, type ResidentHandlers } from './resident.js';
import { answerAsk, parseAsk } from './ask.js';
import { parseSearch, runSearch } from './search.js';
import { statusOutput } from './status.js';
import { healthOutput } from './health.js';
import { jobsOutput } from './jobs.js';

import { logUnhandledRejections } from '../core/process-guard.js';

const CHAT_LOG_FILE = './trajanus.log';

/** `trajanus ask`, `search`, `status`, `health` and `jobs` from another terminal, answered by this process (see resident.ts). */
function residentCommands(s: Services, scheduler: Scheduler | undefined): ResidentHandlers {
  return {
    ask: async ({ args, stdin }) => answerAsk(parseAsk(args, stdin), s),
    search: async ({ args }) => runSearch(parseSearch(args), s),
    status: async ({ args }) => statusOutput(args, s.db),
    health: async ({ args }) => healthOutput(args, s.db, s.config),
    jobs: async ({ args }) => jobsOutput(args, s, scheduler),
  };
}

/**
 * The local folder is the knowledge base when Drive is not configured: on the first start it is
 * indexed, later starts bring it up to date (a no-op when unchanged) and resume an indexing that
 * was interrupted. A different folder ingested by hand (`trajanus ingest <folder>`) is left alone;
 * a switch to one (--replace) that was interrupted is finished first, so two folders are never
 * left mixed (or, when the new folder is gone, rolled back to the previous one).
 */
async function syncKnowledgeFolder(s: Services, signal: AbortSignal): Promise<void> {
  const { config, logger } = s;
  if (driveConfigured(config)) return;
  let root = config.KNOWLEDGE_DIR;
  let replace = false;
  const pending = await pendingFolderSwitch(s.db);
  if (pending) {
    replace = !existsSync(pending.to);
    root = replace ? pending.from : pending.to;
    logger.warn(
      { to: pending.to, from: pending.from },
      replace
        ? 'an interrupted folder switch cannot be finished (its folder is gone): rolling back to the previous folder'
        : 'finishing an interrupted folder switch (ingest --replace)',
    );
  } else {
    try {
      await assertFolderRoot(s.db, root);
    } catch (e) {
      if (!(e instanceof FolderMismatchError)) throw e;
      logger.info(
        { knowledgeBase: e.current, KNOWLEDGE_DIR: root },
        'the knowledge base holds another folder; KNOWLEDGE_DIR is not synced at start',
      );
      return;
    }
  }
  const source = new FolderSource(root, config.INGEST_IGNORE);
  let last = -1;
  let summary: IngestSummary;
  try {
    summary = await ingestFolder(ingestDeps(s), source, {
      replace,
      signal,
      onProgress: (p) => {
        if (p.phase !== 'files' || !p.total || p.file) return;
        const pct = Math.floor((p.done / p.total) * 10) * 10;
        if (pct !== last && (p.summary.added || p.summary.changed)) {
          last = pct;
          process.stderr.write(`Indexing ${root}: ${p.done}/${p.total} files\n`);
        }
      },
    });
  } catch (e) {
    // Another replica sharing the database may be indexing the same folder right now: that is its job then.
    if (e instanceof IngestBusyError) return void logger.info('another process is indexing the knowledge folder; not syncing it here');
    if (e instanceof IngestInterruptedError) return void logger.info('indexing stopped; the next start resumes it');
    throw e;
  }
  if (summary.added || summary.changed || summary.deleted || summary.failed)
    logger.info({ ...summary, errors: summary.errors.length, skips: summary.skips.length }, 'knowledge folder synced');
  for (const e of summary.errors) logger.warn({ file: e.fileId, error: e.error }, 'document not indexed');
}

const command: Command = {
  usage: 'trajanus start    (Slack when SLACK_BOT_TOKEN is set; otherwise a terminal chat: `echo "question" | npm start`)',
  async run() {
    const config = loadConfig();
    // In an interactive terminal chat, log lines on stderr would print over the `›` prompt and
    // the answers: there they go to a file (LOG_FILE, or ./trajanus.log), named in the banner.
    const chat = config.slackMode === 'terminal' && Boolean(process.stdin.isTTY);
    const logFile = config.LOG_FILE ?? (chat ? CHAT_LOG_FILE : undefined);
    const services = await createServices(config, { logger: loggerFromConfig(config, logFile) });
    const { logger } = services;
    const modelWarning = await answerModelWarning(config);
    if (modelWarning) {
      logger.warn({ CLAUDE_MODEL: config.CLAUDE_MODEL }, modelWarning);
      // With the logs in a file, the person at the terminal would not see it otherwise.
      if (logFile) process.stderr.write(`⚠ ${modelWarning}\n`);
    }
    // A stray rejection (a library's, one request's) is logged; it does not end the bot.
    logUnhandledRejections(logger);
    const stops: (() => Promise<void>)[] = [];
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      logger.info({ signal }, 'shutting down');
      for (const stop of stops.reverse()) await stop().catch((err) => logger.warn({ err }, 'shutdown step failed'));
      await services.close();
    };
    // Installed before the (possibly long) first indexing, in every mode: a stop request first
    // lets the indexing stop between documents (or a large one's batches) and record itself as
    // interrupted, then closes the scheduler, Slack and the database cleanly. The next start
    // resumes the indexing.
    const stopIndexing = new AbortController();
    let indexing: Promise<void> = Promise.resolve();
    const signalled = new Promise<string>((resolve) => {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig));
    });
    void signalled.then(async (sig) => {
      stopIndexing.abort(sig);
      await indexing.catch(() => {});
      await shutdown(sig);
      process.exit(0);
    });
    try {
      indexing = syncKnowledgeFolder(services, stopIndexing.signal);
      await indexing;
      if (stopIndexing.signal.aborted) return await new Promise<number>(() => {}); // the signal handler exits
      // Load the embedding model and the search path once, so the first person to ask does not pay for it.
      await services.searcher.search('warm up', { access: OPERATOR_SCOPE, log: false, matchCount: 1 });
      const interactive = Boolean(process.stdin.isTTY);
      let scheduler: Scheduler | undefined;
      if (config.slackMode !== 'terminal' || interactive) {
        // A one-shot piped session runs no schedules; a bot or an open terminal session does.
        const jobs = createScheduler(services, opsNotifierFromConfig(config, logger));
        jobs.start();
        stops.push(async () => void (await jobs.stop(config.JOB_SHUTDOWN_GRACE_MS)));
        scheduler = jobs;
      }
      // The embedded database's folder is this process's alone: ask, search, status, health and jobs from another terminal come here.
      if (services.db.kind === 'embedded')
        stops.push(await serveResident(config.TRAJANUS_DATA_DIR, residentCommands(services, scheduler), logger));
      if (config.slackMode === 'terminal') {
        // The terminal chat runs on the operator's machine with the database at hand: the operator scope.
        const handler = new QuestionHandler({
          answerer: services.answerer,
          logger,
          invocation: 'ask',
          resolveAccess: async () => OPERATOR_SCOPE,
        });
        await runTerminalChat({ handler, logFile });
        await shutdown('end of input');
        return 0;
      }
      const { startSlackApp } = await import('../bot/app.js');
      const { botMetrics, registerServiceMetrics } = await import('../bot/metrics.js');
      registerServiceMetrics(botMetrics().registry, {
        cache: () => services.cachedEmbedder.totals,
        answers: () => services.answerer.totals,
        jobRuns: async () =>
          (
            await services.db.query<{ job: string; status: string; runs: number }>(
              'SELECT job, status, count(*)::int AS runs FROM job_runs GROUP BY 1, 2',
            )
          ).rows,
      });
      const slack = await startSlackApp({ config, db: services.db, answerer: services.answerer, logger });
      stops.push(() => slack.stop(config.JOB_SHUTDOWN_GRACE_MS));
      await signalled;
      return 0;
    } catch (e) {
      await shutdown('error');
      throw e;
    }
  },
};
export default command;
