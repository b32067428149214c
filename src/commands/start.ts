// `npm start`: the bot and its scheduled jobs. With Slack credentials, the Slack app (Socket Mode
// or HTTP); without, a terminal chat on the same handler. The embedded default syncs the local
// knowledge folder first, so a fresh checkout answers questions out of the box.
import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { createServices, ingestDeps, type Services } from '../core/services.js';
import { ingest, IngestBusyError } from '../core/ingest/index.js';
import { FolderSource } from '../core/sources/folder.js';
import { driveConfigured } from '../core/sources/drive-config.js';
import { assertFolderRoot, FolderMismatchError, recordFolderRoot } from '../core/sources/folder-root.js';
import { QuestionHandler } from '../bot/handler.js';
import { runTerminalChat } from '../bot/terminal.js';
import { opsNotifierFromConfig } from '../bot/ops-notifier.js';
import { createScheduler } from '../jobs/index.js';
import { loggerFromConfig } from '../core/log.js';

const CHAT_LOG_FILE = './trajanus.log';

/**
 * The local folder is the knowledge base when Drive is not configured: on the first start it is
 * indexed, later starts bring it up to date (a no-op when unchanged). A different folder ingested
 * by hand (`trajanus ingest <folder>`) is left alone.
 */
async function syncKnowledgeFolder(s: Services): Promise<void> {
  const { config, logger } = s;
  if (driveConfigured(config)) return;
  try {
    await assertFolderRoot(s.db, config.KNOWLEDGE_DIR);
  } catch (e) {
    if (!(e instanceof FolderMismatchError)) throw e;
    logger.info({ knowledgeBase: e.current, KNOWLEDGE_DIR: config.KNOWLEDGE_DIR }, 'the knowledge base holds another folder; KNOWLEDGE_DIR is not synced at start');
    return;
  }
  const source = new FolderSource(config.KNOWLEDGE_DIR, config.INGEST_IGNORE);
  let last = -1;
  const summary = await ingestOrSkip(ingestDeps(s), source, {
    onProgress: (p) => {
      if (p.phase !== 'files' || !p.total) return;
      const pct = Math.floor((p.done / p.total) * 10) * 10;
      if (pct !== last && (p.summary.added || p.summary.changed)) {
        last = pct;
        process.stderr.write(`Indexing ${config.KNOWLEDGE_DIR}: ${p.done}/${p.total} files\n`);
      }
    },
  });
  if (!summary) return;
  await recordFolderRoot(s.db, config.KNOWLEDGE_DIR);
  if (summary.added || summary.changed || summary.deleted || summary.failed)
    logger.info({ ...summary, errors: summary.errors.length }, 'knowledge folder synced');
  for (const e of summary.errors) logger.warn({ file: e.fileId, error: e.error }, 'document not indexed');
}

/** Another replica sharing the database may be indexing the same folder right now: that is its job then. */
async function ingestOrSkip(...args: Parameters<typeof ingest>) {
  try {
    return await ingest(...args);
  } catch (e) {
    if (!(e instanceof IngestBusyError)) throw e;
    args[0].logger?.info('another process is indexing the knowledge folder; not syncing it here');
    return undefined;
  }
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
    const stops: (() => Promise<void>)[] = [];
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      logger.info({ signal }, 'shutting down');
      for (const stop of stops.reverse()) await stop().catch((err) => logger.warn({ err }, 'shutdown step failed'));
      await services.close();
    };
    // Installed before the (possibly long) first indexing, in every mode: a stop request closes
    // the scheduler, Slack and the database cleanly (each document is one transaction, so an
    // indexing run stopped midway leaves no half-written document).
    const signalled = new Promise<string>((resolve) => {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig));
    });
    void signalled.then(async (sig) => {
      await shutdown(sig);
      process.exit(0);
    });
    try {
      await syncKnowledgeFolder(services);
      // Load the embedding model and the search path once, so the first person to ask does not pay for it.
      await services.searcher.search('warm up', { log: false, matchCount: 1 });
      const interactive = Boolean(process.stdin.isTTY);
      if (config.slackMode !== 'terminal' || interactive) {
        // A one-shot piped session runs no schedules; a bot or an open terminal session does.
        const scheduler = createScheduler(services, opsNotifierFromConfig(config, logger));
        scheduler.start();
        stops.push(async () => void (await scheduler.stop(config.JOB_SHUTDOWN_GRACE_MS)));
      }
      if (config.slackMode === 'terminal') {
        const handler = new QuestionHandler({ answerer: services.answerer, logger, invocation: 'ask' });
        await runTerminalChat({ handler, logFile });
        await shutdown('end of input');
        return 0;
      }
      const { startSlackApp } = await import('../bot/app.js');
      const { botMetrics, registerServiceMetrics } = await import('../bot/metrics.js');
      registerServiceMetrics(botMetrics().registry, {
        cache: () => services.cachedEmbedder.totals,
        jobRuns: async () =>
          (await services.db.query<{ job: string; status: string; runs: number }>('SELECT job, status, count(*)::int AS runs FROM job_runs GROUP BY 1, 2')).rows,
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
