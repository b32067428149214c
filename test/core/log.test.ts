// Secrets never reach logs: not in our own fields, and not inside the errors of the Google and
// Slack clients (whose requests carried a bearer token) when a job logs them whole.
import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import { google } from 'googleapis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../src/core/log.js';
import { DriveSource } from '../../src/core/sources/drive.js';
import { startFakeDrive, type FakeDrive } from '../fakes/drive.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

describe('log redaction', () => {
  let drive: FakeDrive;
  beforeAll(async () => (drive = await startFakeDrive()));
  afterAll(() => drive.close());

  it('redacts configuration secrets and connection strings', () => {
    const { lines, logger } = capture();
    logger.info(
      { config: { SLACK_BOT_TOKEN: 'xoxb-secret-1', OPENAI_API_KEY: 'sk-secret-2' }, client: { token: 'xapp-secret-3' } },
      'starting',
    );
    expect(lines.join('')).not.toMatch(/secret-[123]/);
    expect(redactUrl('postgres://app:pw-secret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
  });

  it('redacts the bearer token inside a googleapis error', async () => {
    const auth = new google.auth.OAuth2();
    auth.setCredentials({ access_token: 'ya29.very-secret-token', expiry_date: Date.now() + 3_600_000 });
    const source = new DriveSource({ auth, folderIds: ['nowhere'], sharedDriveIds: [], rootUrl: drive.rootUrl, retry: { retries: 0 } });
    drive.fail(5, { status: 500, reason: 'backendError' });
    const err = await (async () => {
      for await (const _ of source.list()) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(drive.requests.at(-1)!.headers.authorization).toBe('Bearer ya29.very-secret-token'); // the token was really sent
    const { lines, logger } = capture();
    logger.error({ err }, 'drive-reingest failed');
    const out = lines.join('');
    expect(out).toContain('drive-reingest failed');
    expect(out).not.toContain('ya29.very-secret-token');
  });

  it('redacts the bot token inside a Slack Web API request error', async () => {
    const client = new WebClient('xoxb-very-secret-bot-token', { slackApiUrl: 'http://127.0.0.1:1/api/', retryConfig: { retries: 0 } });
    const err = await client.chat.postMessage({ channel: 'C1', text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const { lines, logger } = capture();
    logger.error({ err }, 'ops alert failed');
    const out = lines.join('');
    expect(out).toContain('ops alert failed');
    expect(out).not.toContain('very-secret-bot-token');
  });
});
