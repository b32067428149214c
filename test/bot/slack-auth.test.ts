// Defect 4 (issue 15) and issue 12 §5: with Slack credentials and Slack unreachable or refusing
// the token, start-up retries what can succeed later and otherwise stops with one clear line —
// and "slack app started" is never logged before Slack has accepted the token.
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackApp } from '../../src/bot/app.js';
import { SlackStartError } from '../../src/bot/slack-auth.js';
import { createBotMetrics } from '../../src/bot/metrics.js';
import { createLogger } from '../../src/core/log.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { slackConfig } from './fixture.js';

function capture() {
  const lines: any[] = [];
  const dest = new Writable({
    write(chunk, _e, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { logger: createLogger('info', dest), lines };
}
const db = { kind: 'embedded', query: async () => ({ rows: [], rowCount: 0 }) } as any;
const answerer = {
  answer: async () => {
    throw new Error('not used');
  },
};

describe('start-up against an unreachable or refusing Slack', () => {
  let slack: FakeSlack;
  beforeAll(async () => (slack = await startFakeSlack()));
  afterAll(async () => slack?.close());
  beforeEach(() => slack.reset());
  const start = (logger: ReturnType<typeof capture>['logger'], env: Record<string, string> = {}, apiUrl = slack.url) =>
    startSlackApp({
      config: slackConfig({
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: apiUrl,
        PORT: '0',
        SLACK_API_TIMEOUT_MS: '2000',
        ...env,
      }),
      db,
      answerer,
      logger,
      botMetrics: createBotMetrics(),
      host: '127.0.0.1',
      port: 0,
      startBackoffMs: 10,
    });

  it('retries a temporary auth.test failure (503, then a hang) with backoff, then starts; "started" comes after', async () => {
    slack.fault('auth.test', { fault: { status: 503 }, times: 1 });
    slack.fault('auth.test', { fault: { hang: true }, times: 1 });
    const { logger, lines } = capture();
    const app = await start(logger);
    try {
      expect(lines.filter((l) => l.msg === 'Slack is not reachable yet; retrying').map((l) => l.code)).toEqual(['http_503', 'timeout']);
      const started = lines.findIndex((l) => l.msg === 'slack app started');
      expect(started).toBe(lines.length - 1);
      // Bolt was given the bot's ids: it makes no auth.test call of its own.
      expect(slack.callsOf('auth.test')).toHaveLength(3);
    } finally {
      await app.stop(1000);
    }
  });

  it('a refused token (invalid_auth) stops at once with one line naming SLACK_BOT_TOKEN; nothing says "started"', async () => {
    slack.fault('auth.test', { fault: { error: 'invalid_auth' } });
    const { logger, lines } = capture();
    const err = await start(logger).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SlackStartError);
    expect((err as Error).message).toMatch(/^Slack refused SLACK_BOT_TOKEN \(invalid_auth\)/);
    expect((err as Error).message).not.toContain('\n');
    expect(slack.callsOf('auth.test')).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'slack app started')).toBe(false);
  });

  it('no way to reach Slack: a bounded number of attempts, then one line saying what to check', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const { logger, lines } = capture();
    const err = await start(logger, { SLACK_START_ATTEMPTS: '3' }, `http://127.0.0.1:${closed}/`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SlackStartError);
    expect((err as Error).message).toMatch(
      /^Could not reach Slack's Web API at http:\/\/127\.0\.0\.1:\d+\/api\/ after 3 attempt\(s\).*SLACK_API_URL/,
    );
    expect(lines.filter((l) => l.msg === 'Slack is not reachable yet; retrying')).toHaveLength(2);
    expect(lines.some((l) => l.msg === 'slack app started')).toBe(false);
  });
});
