// The fixture's answer engine behind a real Bolt app in HTTP mode on 127.0.0.1, talking to a fresh
// fake Slack Web API: what the bot tests over signed HTTP requests start in their beforeAll.
import { startSlackApp, type StartedSlackApp } from '../../src/bot/app.js';
import { createBotMetrics } from '../../src/bot/metrics.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { slackConfig, startFixture, type Fixture } from './fixture.js';

export interface HttpBot {
  fx: Fixture;
  slack: FakeSlack;
  started: StartedSlackApp;
  /** http://127.0.0.1:port */
  base: string;
  /** base + /slack/events */
  url: string;
  close(): Promise<void>;
}

/** `env` is added to a bot token, the fake's API URL and PORT 0; it names the signing secret. */
export async function startHttpBot(env: Record<string, string> & { SLACK_SIGNING_SECRET: string }): Promise<HttpBot> {
  const slack = await startFakeSlack();
  const fx = await startFixture();
  const config = slackConfig({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.url, PORT: '0', ...env });
  const started = await startSlackApp({
    config,
    db: fx.db,
    answerer: fx.answerer,
    logger: fx.logger,
    botMetrics: createBotMetrics(),
    host: '127.0.0.1',
    port: 0,
  });
  const base = `http://127.0.0.1:${started.port}`;
  return {
    fx,
    slack,
    started,
    base,
    url: `${base}/slack/events`,
    async close() {
      await started.stop(5000);
      await fx.close();
      await slack.close();
    },
  };
}
