// The Slack app: Bolt with Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP with request
// signature verification (always on). Besides Slack's endpoint (/slack/events) it serves
// /healthz (database reachable) and /metrics (Prometheus). Listeners live one per file in listeners/.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, type CustomRoute, type HTTPReceiverOptions } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Answerer } from '../core/answer/types.js';
import type { Database } from '../core/db/types.js';
import type { Logger } from '../core/log.js';
import { unknownScope } from '../core/access/audience.js';
import { boltLogger } from './bolt-logger.js';
import { InFlight, RecentSet, type BotContext } from './context.js';
import { QuestionHandler } from './handler.js';
import { createAssistant } from './listeners/assistant/index.js';
import { registerFeedback } from './listeners/actions/feedback.js';
import { COMMAND, registerTrajanusCommand } from './listeners/commands/trajanus.js';
import { registerAppMention } from './listeners/events/app-mention.js';
import { registerMessage } from './listeners/events/message.js';
import { registerAppHome } from './listeners/views/app-home.js';
import { botMetrics as sharedBotMetrics, type BotMetrics, type MetricsRenderer } from './metrics.js';

export type SlackConfig = Pick<
  Config,
  'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL' | 'SLACK_ANSWER_VISIBILITY' | 'PORT'
  | 'WORKSPACE_DOMAINS' | 'SLACK_ADMIN_USER_IDS' | 'ACCESS_PRIVATE_CHANNEL_MAX_MEMBERS' | 'ACCESS_IDENTITY_TTL_SECONDS'
>;

export interface SlackAppOptions {
  config: SlackConfig;
  db: Database;
  answerer: Answerer;
  logger: Logger;
  /** What /metrics serves. Default: the bot's own registry (`botMetrics`). Pass a merged registry to serve more. */
  metrics?: MetricsRenderer;
  /** Counters and histogram the bot updates. Default: the process-wide `botMetrics()`. */
  botMetrics?: BotMetrics;
  /**
   * Answers computed at once; more wait their turn (acks never wait). Default 4 with the embedded
   * database (search runs on the main thread), 16 with Postgres (answers mostly wait on the model).
   */
  maxConcurrentAnswers?: number;
  /** Extra HTTPReceiver options (HTTP mode), e.g. `unhandledRequestTimeoutMillis`. Signature verification cannot be turned off. */
  receiverOptions?: Partial<HTTPReceiverOptions>;
}

export interface TrajanusInternals {
  mode: 'http' | 'socket';
  handler: QuestionHandler;
  /** Answers still being worked on after ack(). */
  inflight: InFlight;
  botMetrics: BotMetrics;
}

/** A Bolt App, plus what our start/stop and tests need. */
export type SlackApp = App & { trajanus: TrajanusInternals };

/** SLACK_API_URL → WebClient's slackApiUrl: a bare origin gets Slack's `/api/` path; a trailing slash is ensured. */
export function slackApiUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const u = new URL(raw);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/api/';
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.toString();
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function healthRoutes(db: Database, metrics: MetricsRenderer, logger: Logger): CustomRoute[] {
  return [
    {
      path: '/healthz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('database did not answer within 2 s')), 2000)));
        Promise.race([db.query('SELECT 1'), timeout])
          .then(() => json(res, 200, { status: 'ok', database: 'ok', db_ms: Math.round(performance.now() - started) }))
          .catch((err: unknown) => {
            logger.warn({ err }, 'healthz: database check failed');
            json(res, 503, { status: 'unavailable', database: 'error', error: err instanceof Error ? err.message : String(err) });
          })
          .finally(() => clearTimeout(timer));
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        metrics
          .render()
          .then((body) => {
            res.writeHead(200, { 'content-type': metrics.contentType });
            res.end(body);
          })
          .catch((err: unknown) => {
            logger.error({ err }, 'metrics: render failed');
            json(res, 500, { error: 'metrics unavailable' });
          });
      },
    },
  ];
}

export function createSlackApp(opts: SlackAppOptions): SlackApp {
  const { config, db, answerer, logger } = opts;
  if (!config.SLACK_BOT_TOKEN) throw new Error('SLACK_BOT_TOKEN is required for the Slack app (without it, use the terminal chat)');
  const bot = opts.botMetrics ?? sharedBotMetrics();
  const metrics = opts.metrics ?? bot;
  const log = boltLogger(logger);
  const customRoutes = healthRoutes(db, metrics, logger);
  const clientOptions = { slackApiUrl: slackApiUrl(config.SLACK_API_URL), retryConfig: { retries: 2 } };
  const socket = !!config.SLACK_APP_TOKEN;
  let app: App;
  if (socket) {
    app = new App({
      token: config.SLACK_BOT_TOKEN,
      appToken: config.SLACK_APP_TOKEN,
      socketMode: true,
      // Socket Mode has no Slack endpoint to serve; /healthz and /metrics still get a port.
      installerOptions: { port: config.PORT },
      customRoutes,
      logger: log,
      clientOptions,
    });
  } else {
    if (!config.SLACK_SIGNING_SECRET) throw new Error('SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
    const receiver = new HTTPReceiver({
      ...opts.receiverOptions,
      signingSecret: config.SLACK_SIGNING_SECRET,
      signatureVerification: true,
      customRoutes: [...customRoutes, ...(opts.receiverOptions?.customRoutes ?? [])],
      logger: log,
    });
    app = new App({ token: config.SLACK_BOT_TOKEN, receiver, logger: log, clientOptions });
  }

  const handler = new QuestionHandler({
    answerer, logger, invocation: COMMAND, observer: bot,
    resolveAccess: async () => unknownScope({ workspaceDomains: config.WORKSPACE_DOMAINS }),
  });
  const inflight = new InFlight(opts.maxConcurrentAnswers ?? (db.kind === 'embedded' ? 4 : 16));
  const ctx: BotContext = {
    handler,
    ask: (input) => inflight.run(() => handler.handle(input)),
    db,
    config,
    logger,
    metrics: bot,
    inflight,
    answeredThreads: new RecentSet(),
  };
  // The assistant first: its middleware takes the assistant-thread messages before `message` sees them.
  app.assistant(createAssistant(ctx));
  registerTrajanusCommand(app, ctx);
  registerAppMention(app, ctx);
  registerMessage(app, ctx);
  registerFeedback(app, ctx);
  registerAppHome(app, ctx);
  app.error(async (err) => {
    logger.error({ err }, 'slack: unhandled listener error');
  });
  return Object.assign(app, { trajanus: { mode: socket ? ('socket' as const) : ('http' as const), handler, inflight: ctx.inflight, botMetrics: bot } });
}

export interface StartedSlackApp {
  app: SlackApp;
  /** The HTTP port actually bound (PORT=0 picks a free one). */
  port: number;
  /** Stops receiving, then waits (up to `graceMs`) for answers in progress. */
  stop(graceMs?: number): Promise<void>;
}

/** Creates and starts the app: HTTP on PORT (or `port`/`host`), or Socket Mode plus /healthz and /metrics on PORT. */
export async function startSlackApp(opts: SlackAppOptions & { port?: number; host?: string }): Promise<StartedSlackApp> {
  const app = createSlackApp(opts);
  const port = opts.port ?? opts.config.PORT;
  let bound = port;
  if (app.trajanus.mode === 'http') {
    const server = (await app.start(opts.host ? { port, host: opts.host } : port)) as Server;
    bound = (server.address() as AddressInfo).port;
  } else {
    await app.start();
    // Bolt's SocketModeReceiver serves /healthz and /metrics on its own server (installerOptions.port,
    // listen() not awaited by start()): report the port it actually bound, as in HTTP mode (PORT=0).
    // `receiver` and `httpServer` are private in Bolt's types (pinned 5.1.0), hence the cast.
    const server = (app as unknown as { receiver?: { httpServer?: Server } }).receiver?.httpServer;
    if (server) {
      if (!server.listening) await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
      bound = (server.address() as AddressInfo).port;
    }
  }
  opts.logger.info({ mode: app.trajanus.mode, port: bound }, 'slack app started');
  let stopped = false;
  return {
    app,
    port: bound,
    async stop(graceMs = 30_000) {
      if (stopped) return;
      stopped = true;
      await app.stop().catch((err: unknown) => opts.logger.warn({ err }, 'slack app: stop failed'));
      const drained = await app.trajanus.inflight.drain(graceMs);
      if (!drained) opts.logger.warn({ pending: app.trajanus.inflight.size }, 'slack app: stopped with answers still in progress');
    },
  };
}
