// The Slack app: Bolt with Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP with request
// signature verification (always on). Besides Slack's endpoint (/slack/events) it serves
// /healthz (database reachable) and /metrics (Prometheus). Listeners live one per file in listeners/.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPModuleFunctions, HTTPReceiver, type CustomRoute, type HTTPReceiverOptions } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Answerer } from '../core/answer/types.js';
import type { Database } from '../core/db/types.js';
import type { Logger } from '../core/log.js';
import { SlackAccess } from './access.js';
import { searchScopeFor } from './channel-scope.js';
import { boltLogger } from './bolt-logger.js';
import { InFlight, RecentSet, type BotContext } from './context.js';
import { QuestionHandler } from './handler.js';
import { assistantRouter, createAssistant } from './listeners/assistant/index.js';
import { QuestionLimits } from './limits/rate-limit.js';
import { StatusLines } from './status.js';
import { StreamSupport } from './live/live-answer.js';
import { registerFeedback } from './listeners/actions/feedback.js';
import { COMMAND, registerTrajanusCommand } from './listeners/commands/trajanus.js';
import { registerAppMention } from './listeners/events/app-mention.js';
import { registerMessage } from './listeners/events/message.js';
import { registerMembership } from './listeners/events/membership.js';
import { registerAppHome } from './listeners/views/app-home.js';
import { botMetrics as sharedBotMetrics, type BotMetrics, type MetricsRenderer } from './metrics.js';
import { verifyBotToken, type BotIdentity } from './slack-auth.js';

export type SlackConfig = Pick<
  Config,
  | 'SLACK_BOT_TOKEN'
  | 'SLACK_SIGNING_SECRET'
  | 'SLACK_APP_TOKEN'
  | 'SLACK_API_URL'
  | 'SLACK_ANSWER_VISIBILITY'
  | 'PORT'
  | 'SLACK_API_TIMEOUT_MS'
  | 'SLACK_START_ATTEMPTS'
  | 'SLACK_EDIT_WINDOW_HOURS'
  | 'SLACK_STREAMING'
  | 'SLACK_STREAM_INTERVAL_MS'
  | 'SLACK_USER_QUESTIONS_PER_MINUTE'
  | 'SLACK_WORKSPACE_QUESTIONS_PER_MINUTE'
  | 'WORKSPACE_DOMAINS'
  | 'SLACK_ADMIN_USER_IDS'
  | 'ACCESS_PRIVATE_CHANNEL_MAX_MEMBERS'
  | 'ACCESS_IDENTITY_TTL_SECONDS'
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
  /** The bot's ids from auth.test (startSlackApp checks the token first). Without them Bolt asks Slack on the first request. */
  identity?: BotIdentity;
  /** First backoff of the start-up auth.test retries (default 1 s). */
  startBackoffMs?: number;
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
        const timeout = new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Error('database did not answer within 2 s')), 2000)),
        );
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
  // A hung call fails after SLACK_API_TIMEOUT_MS instead of holding an answer forever; a 429's
  // Retry-After is waited out by the client within these retries.
  const clientOptions = {
    slackApiUrl: slackApiUrl(config.SLACK_API_URL),
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    timeout: config.SLACK_API_TIMEOUT_MS,
  };
  const identity = opts.identity
    ? { botId: opts.identity.botId, botUserId: opts.identity.botUserId }
    : // Without known ids, Bolt's own auth.test would run in its constructor with no one to catch a failure.
      { tokenVerificationEnabled: false };
  const inflight = new InFlight(opts.maxConcurrentAnswers ?? (db.kind === 'embedded' ? 4 : 16));
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
      ...identity,
    });
  } else {
    if (!config.SLACK_SIGNING_SECRET)
      throw new Error('SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
    const receiver = new HTTPReceiver({
      ...opts.receiverOptions,
      signingSecret: config.SLACK_SIGNING_SECRET,
      signatureVerification: true,
      customRoutes: [...customRoutes, ...(opts.receiverOptions?.customRoutes ?? [])],
      logger: log,
    });
    guardRequestBodies(receiver, logger, (res) => {
      // Counted from the first byte Bolt's server sees to the response (the ack): answers yield to these.
      const done = inflight.requestStarted();
      res.once('close', done);
      res.once('finish', done);
    });
    app = new App({ token: config.SLACK_BOT_TOKEN, receiver, logger: log, clientOptions, ...identity });
  }

  const access = new SlackAccess(app.client, db, {
    policy: { workspaceDomains: config.WORKSPACE_DOMAINS },
    ttlMs: config.ACCESS_IDENTITY_TTL_SECONDS * 1000,
    maxMembers: config.ACCESS_PRIVATE_CHANNEL_MAX_MEMBERS,
    self: opts.identity && { teamId: opts.identity.teamId, botUserId: opts.identity.botUserId },
    logger,
  });
  const handler = new QuestionHandler({
    answerer,
    logger,
    invocation: COMMAND,
    observer: bot,
    resolveAccess: (q) => access.scope({ userId: q.userId, channel: q.channel, visibleTo: q.visibleTo }),
    resolveScope: (q) => searchScopeFor(db, access, q.channel),
  });
  const ctx: BotContext = {
    handler,
    ask: (input) => inflight.run(() => handler.handle(input)),
    db,
    config,
    live: {
      settings: { mode: config.SLACK_STREAMING, intervalMs: config.SLACK_STREAM_INTERVAL_MS },
      support: new StreamSupport(),
    },
    logger,
    metrics: bot,
    inflight,
    answeredThreads: new RecentSet(),
    access,
    status: new StatusLines(db),
    limits: new QuestionLimits(config.SLACK_USER_QUESTIONS_PER_MINUTE, config.SLACK_WORKSPACE_QUESTIONS_PER_MINUTE),
  };
  // First of all middleware: a request arrived, so answers in progress hold back (context.ts).
  app.use(async ({ next }) => {
    inflight.noteArrival();
    await next();
  });
  // The assistant first: its middleware takes the assistant-thread messages before `message` sees
  // them — only those of threads the assistant panel opened (routing.ts).
  app.use(assistantRouter(createAssistant(ctx), ctx));
  registerTrajanusCommand(app, ctx);
  registerAppMention(app, ctx);
  registerMessage(app, ctx);
  registerFeedback(app, ctx);
  registerAppHome(app, ctx);
  registerMembership(app, ctx);
  app.error(async (err) => {
    logger.error({ err }, 'slack: unhandled listener error');
  });
  return Object.assign(app, {
    trajanus: { mode: socket ? ('socket' as const) : ('http' as const), handler, inflight: ctx.inflight, botMetrics: bot },
  });
}

/**
 * Bolt's HTTPReceiver reads `body.ssl_check` from whatever the JSON parses to, so a signed body
 * of `null` (or a number, or an array) rejects inside its request handler where nothing catches it. The body
 * is read first here (Bolt reuses what was read) and anything but an object or array is refused
 * with 400 before Bolt sees it.
 */
function guardRequestBodies(receiver: HTTPReceiver, logger: Logger, onSlackRequest: (res: ServerResponse) => void): void {
  const inner = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://localhost').pathname !== '/slack/events') return inner(req, res);
    onSlackRequest(res);
    HTTPModuleFunctions.bufferIncomingMessage(req, HTTPModuleFunctions.defaultBodyLimit)
      .then((buffered) => {
        let body: unknown = {};
        try {
          body = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
        } catch {
          /* malformed: Bolt answers it (400) */
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          logger.warn({ path: req.url }, 'slack: refused a request whose body is not a JSON object');
          return HTTPModuleFunctions.buildNoBodyResponse(res, 400);
        }
        return inner(buffered, res);
      })
      .catch((err: unknown) => {
        const status = (err as { status?: number })?.status === 413 ? 413 : 400;
        logger.warn({ err, path: req.url }, 'slack: could not read a request body');
        if (!res.headersSent) HTTPModuleFunctions.buildNoBodyResponse(res, status);
      });
  };
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
  if (!opts.config.SLACK_BOT_TOKEN) throw new Error('SLACK_BOT_TOKEN is required for the Slack app (without it, use the terminal chat)');
  const identity =
    opts.identity ??
    (await verifyBotToken({
      token: opts.config.SLACK_BOT_TOKEN,
      slackApiUrl: slackApiUrl(opts.config.SLACK_API_URL),
      attempts: opts.config.SLACK_START_ATTEMPTS,
      timeoutMs: opts.config.SLACK_API_TIMEOUT_MS,
      backoffMs: opts.startBackoffMs,
      logger: opts.logger,
    }));
  const app = createSlackApp({ ...opts, identity });
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
