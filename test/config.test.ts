import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, configMarkdownTable, parseConfig } from '../src/config.js';
import { embeddedDataDir, readEnvironment } from '../src/data-dir.js';

describe('config', () => {
  it('runs with no configuration at all: embedded database, local embedder, composer, terminal', () => {
    const c = parseConfig({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.TRAJANUS_DATA_DIR).toBe('./data');
    expect(c.embeddingProvider).toBe('local');
    expect(c.answerProvider).toBe('composer');
    expect(c.slackMode).toBe('terminal');
  });

  it('picks the real services when keys are set', () => {
    const c = parseConfig({ OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'a', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
    expect([c.embeddingProvider, c.answerProvider, c.slackMode]).toEqual(['openai', 'claude', 'http']);
    expect(parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slackMode).toBe('socket');
  });

  it.each([
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_POOL_SIZE: 'many' }, 'DATABASE_POOL_SIZE'],
    [{ DATABASE_SSL: 'maybe' }, 'DATABASE_SSL'],
    [{ SLACK_BOT_TOKEN: 'xoxp-user' }, 'SLACK_BOT_TOKEN'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET'],
    [{ ANSWER_PROVIDER: 'claude' }, 'ANTHROPIC_API_KEY'],
    [{ CHUNK_TOKENS: '100', CHUNK_OVERLAP: '100' }, 'CHUNK_OVERLAP'],
    [{ JOB_BACKUP_CRON: '61 2 * * *' }, 'JOB_BACKUP_CRON'],
    [{ JOB_HEALTH_REPORT_CRON: 'daily' }, 'JOB_HEALTH_REPORT_CRON'],
    [{ JOB_CACHE_EVICT_CRON: '0 4 * *' }, 'JOB_CACHE_EVICT_CRON'],
    [{ JOBS_TIMEZONE: 'Mars/Olympus_Mons' }, 'JOBS_TIMEZONE'],
  ])('%o fails naming %s', (env, name) => {
    let err: unknown;
    try {
      parseConfig(env as Record<string, string>);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(name);
  });

  it('takes valid schedules, "off" and real time zones', () => {
    const c = parseConfig({
      JOB_BACKUP_CRON: '*/15 1-5 * * 1-5',
      JOB_DRIVE_REINGEST_CRON: 'off',
      JOB_CACHE_EVICT_CRON: '0 0 4 * * *',
      JOBS_TIMEZONE: 'Europe/Berlin',
    });
    expect([c.JOB_BACKUP_CRON, c.JOB_DRIVE_REINGEST_CRON, c.JOB_CACHE_EVICT_CRON, c.JOBS_TIMEZONE]).toEqual([
      '*/15 1-5 * * 1-5',
      'off',
      '0 0 4 * * *',
      'Europe/Berlin',
    ]);
  });

  it('keeps the README configuration table equal to the schema', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readFileSync('README.md', 'utf8')).toContain(configMarkdownTable());
  });

  it('documents every variable', () => {
    const table = configMarkdownTable();
    for (const v of ['DATABASE_URL', 'TRAJANUS_DATA_DIR', 'SLACK_BOT_TOKEN', 'BACKUP_RETENTION_DAYS']) expect(table).toContain(`\`${v}\``);
  });
});

describe('the data folder, as the socket client finds it without the schema (data-dir.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trajanus-data-dir-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const noFile = join(dir, 'absent.env');
  const dotenv = join(dir, '.env');
  writeFileSync(dotenv, 'TRAJANUS_DATA_DIR=from-file\nDATABASE_POOL_SIZE=3\n');

  it.each([
    ['unset: the default', {}, noFile],
    ['relative to the working directory', { TRAJANUS_DATA_DIR: 'var/db' }, noFile],
    ['absolute', { TRAJANUS_DATA_DIR: '/srv/trajanus' }, noFile],
    ['empty: unset', { TRAJANUS_DATA_DIR: '' }, noFile],
    ['from .env', {}, dotenv],
    ['the environment over .env', { TRAJANUS_DATA_DIR: 'from-env' }, dotenv],
  ])('%s: the folder the configuration opens', (_, env, file) => {
    const vars = readEnvironment(env, file);
    expect(embeddedDataDir(vars)).toBe(resolve(parseConfig(vars).TRAJANUS_DATA_DIR));
  });

  it('none with DATABASE_URL, from the environment or .env', () => {
    expect(embeddedDataDir(readEnvironment({ DATABASE_URL: 'postgres://db/x' }, noFile))).toBeNull();
    writeFileSync(join(dir, 'pg.env'), 'DATABASE_URL=postgres://db/x\n');
    expect(embeddedDataDir(readEnvironment({}, join(dir, 'pg.env')))).toBeNull();
    expect(embeddedDataDir(readEnvironment({ DATABASE_URL: '' }, noFile))).toBe(resolve('./data')); // empty: unset
  });
});
