// The default Claude model was past its end of life by the Anthropic SDK's own warning; start now
// asks the Models API about the configured one and warns when it is deprecated or retired.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { answerModelWarning } from '../../../src/core/answer/index.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../fakes/anthropic.js';

/** The SDK's own table of deprecated models (module-private: read from its source, as it ships). */
function sdkDeprecatedModels(): string[] {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@anthropic-ai/sdk/resources/messages/messages.js');
  const table = /const DEPRECATED_MODELS = \{([^}]*)\}/.exec(readFileSync(file, 'utf8'))?.[1];
  expect(table, `DEPRECATED_MODELS in ${file}`).toBeDefined();
  return [...table!.matchAll(/'([^']+)':/g)].map((m) => m[1]);
}

describe('Claude model lifecycle', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(() => fake?.close());
  const config = (model?: string) =>
    parseConfig({ ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.url, ...(model ? { CLAUDE_MODEL: model } : {}) });

  it('defaults to a model the SDK does not call deprecated', () => {
    const deprecated = sdkDeprecatedModels();
    expect(deprecated).toContain('claude-sonnet-4-5');
    expect(deprecated).not.toContain(parseConfig({}).CLAUDE_MODEL);
  });

  it('warns, naming CLAUDE_MODEL and the retirement date, when the Models API lists the model as deprecated', async () => {
    fake.lifecycle = { 'claude-sonnet-4-5': 'deprecated', 'claude-sonnet-5-5': 'active' };
    const warning = await answerModelWarning(config('claude-sonnet-4-5'));
    expect(warning).toBe(
      'CLAUDE_MODEL claude-sonnet-4-5 is deprecated (retires 2026-11-30): set CLAUDE_MODEL to a current model (the default is claude-sonnet-5-5).',
    );
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models/claude-sonnet-4-5' });
    expect(await answerModelWarning(config())).toBeUndefined();
  });

  it('says nothing when it cannot tell (unknown to the server) or when answers do not use Claude', async () => {
    fake.lifecycle = {};
    expect(await answerModelWarning(config('claude-somewhere-else'))).toBeUndefined();
    const before = fake.requests.length;
    expect(await answerModelWarning(parseConfig({}))).toBeUndefined();
    expect(fake.requests.length).toBe(before);
  });
});
