import type { Config } from '../../config.js';
import type { Database } from '../db/types.js';
import type { Logger } from '../log.js';
import type { Searcher } from '../search/types.js';
import { ClaudeModel, OpenAIChatModel } from './models.js';
import { RagAnswerer } from './rag.js';
import type { AnswerModel } from './types.js';

export type { Answer, Answerer, AnswerModel, AnswerProgress, AnswerSource } from './types.js';
export { QuestionError, MAX_QUESTION_CHARS } from './rag.js';

/** Which model writes answers is decided here, once: Claude, an OpenAI-compatible chat, or none (the offline composer). */
export function createAnswerModel(config: Config): AnswerModel | undefined {
  const common = { timeoutMs: config.ANSWER_TIMEOUT_MS, maxTokens: config.ANSWER_MAX_TOKENS, temperature: config.ANSWER_TEMPERATURE };
  switch (config.answerProvider) {
    case 'claude':
      return new ClaudeModel({
        ...common,
        apiKey: config.ANTHROPIC_API_KEY!,
        baseURL: config.ANTHROPIC_BASE_URL,
        model: config.CLAUDE_MODEL,
      });
    case 'openai':
      return new OpenAIChatModel({
        ...common,
        apiKey: config.OPENAI_API_KEY ?? 'unused',
        baseURL: config.CHAT_BASE_URL ?? config.OPENAI_BASE_URL,
        model: config.CHAT_MODEL,
      });
    case 'composer':
      return undefined;
  }
}

/** Said once at start: a warning when the configured answer model is deprecated or retired. */
export async function answerModelWarning(config: Config): Promise<string | undefined> {
  return createAnswerModel(config)?.lifecycleWarning?.();
}

export function createAnswerer(deps: {
  config: Config;
  db: Database;
  searcher: Searcher;
  logger?: Logger;
  model?: AnswerModel;
}): RagAnswerer {
  const { config } = deps;
  return new RagAnswerer({
    db: deps.db,
    searcher: deps.searcher,
    logger: deps.logger,
    model: deps.model ?? createAnswerModel(config),
    settings: {
      minConfidence: config.ANSWER_MIN_CONFIDENCE,
      matchCount: config.SEARCH_MATCH_COUNT,
      timeoutMs: config.ANSWER_TIMEOUT_MS,
      historyTurns: 3,
    },
  });
}
