// The transport-independent question path: Slack listeners and the terminal chat both call
// `QuestionHandler.handle()` and get an Answer plus the blocks and fallback text to show.
// History is the answerer's business (it loads `queries` rows by sessionId), so this passes
// the session id only.
import { randomUUID } from 'node:crypto';
import type { AccessScope } from '../core/access/scope.js';
import type { SearchScope } from '../core/scope/channel-scope.js';
import type { Answer, AnswerOptions, Answerer, ChatTurn } from '../core/answer/types.js';
import { MAX_QUESTION_CHARS, QuestionError } from '../core/answer/index.js';
import { cleanUserText } from '../core/user-text.js';
import type { SearchFilters } from '../core/search/types.js';
import type { Logger } from '../core/log.js';
import { answerBlocks, messageBlocks } from './blocks/answer.js';
import { escapeMrkdwn } from './blocks/escape.js';
import type { Block } from './blocks/types.js';

/** Questions longer than this (the answer engine's limit, 4000) are refused with a clear message before any search. */
export { MAX_QUESTION_CHARS };

export interface QuestionInput {
  text: string;
  userId?: string;
  channel?: string;
  /** The thread the answer goes to; with `channel` it makes the default session id. */
  threadTs?: string;
  /** Conversation key; default `<channel>:<threadTs>` when both are known. */
  sessionId?: string;
  filters?: SearchFilters;
  /** 'asker': only the asker will see the answer (ephemeral). Default: everyone in `channel` may read it. */
  visibleTo?: 'asker' | 'channel';
  /** The thread's earlier turns when they are not simply the session's (an edited question). */
  history?: ChatTurn[];
  /** Told what the answerer reads and the model's draft as it is written (a live status). */
  progress?: AnswerOptions['progress'];
}

export type QuestionOutcome = 'answered' | 'no_answer' | 'usage' | 'too_long' | 'error';

export interface QuestionResult {
  kind: QuestionOutcome;
  /** Present when the answerer answered (also for "not found in the documents"). */
  answer?: Answer;
  blocks: Block[];
  /** Fallback / notification text. */
  text: string;
  /** Correlation id logged with the error, shown to the user. */
  errorId?: string;
}

export interface QuestionObserver {
  observe(outcome: QuestionOutcome, seconds: number): void;
  /** Retrieval time of an answered question (embed + search). */
  retrieval?(seconds: number): void;
}

export interface QuestionHandlerOptions {
  answerer: Answerer;
  logger: Logger;
  /** How users invoke the bot, shown in the usage text, e.g. "/trajanus". */
  invocation?: string;
  observer?: QuestionObserver;
  /**
   * Who will read the answer to this question (asker, channel audience): decides which documents
   * may be searched, quoted or listed. Required, so no surface can forget it.
   */
  resolveAccess: (input: QuestionInput) => Promise<AccessScope>;
  /** What the conversation searches (its channel scope); absent: everything the readers may open. */
  resolveScope?: (input: QuestionInput) => Promise<SearchScope>;
}

export function sessionIdFor(channel: string | undefined, threadTs: string | undefined): string | undefined {
  return channel && threadTs ? `${channel}:${threadTs}` : undefined;
}

export function usageText(invocation = '/trajanus'): string {
  const cmd = escapeMrkdwn(invocation);
  return [
    '*Trajanus answers questions from the project documents, with cited sources.*',
    `• \`${cmd} &lt;your question&gt;\` — e.g. \`${cmd} How long is a hot work permit valid?\``,
    '• Mention me in a channel, or send me a direct message.',
    '• Reply in the thread of an answer to ask a follow-up; I keep the context of the thread.',
    '• 👍 / 👎 under an answer tells us whether it helped.',
  ].join('\n');
}

export function isHelp(text: string): boolean {
  const t = text.trim().toLowerCase();
  return t === '' || t === 'help' || t === '?' || t === '-h' || t === '--help' || t === 'usage';
}

export class QuestionHandler {
  constructor(private readonly opts: QuestionHandlerOptions) {}

  usage(): QuestionResult {
    return { kind: 'usage', ...messageBlocks(usageText(this.opts.invocation), 'How to ask Trajanus') };
  }

  async handle(input: QuestionInput): Promise<QuestionResult> {
    const started = performance.now();
    const done = (r: QuestionResult): QuestionResult => {
      this.opts.observer?.observe(r.kind, (performance.now() - started) / 1000);
      return r;
    };
    const question = cleanUserText(input.text ?? '');
    if (isHelp(question)) return done(this.usage());
    if (question.length > MAX_QUESTION_CHARS) {
      return done({
        kind: 'too_long',
        ...messageBlocks(
          `:warning: That question is ${question.length.toLocaleString('en-US')} characters long; the limit is ${MAX_QUESTION_CHARS.toLocaleString('en-US')}. Please ask something shorter — the key sentence is usually enough.`,
          'That question is too long.',
        ),
      });
    }
    const sessionId = input.sessionId ?? sessionIdFor(input.channel, input.threadTs);
    try {
      const [access, scope] = await Promise.all([this.opts.resolveAccess(input), this.opts.resolveScope?.(input)]);
      const answer = await this.opts.answerer.answer(question, {
        access,
        scope,
        sessionId,
        userId: input.userId,
        filters: input.filters,
        ...(input.history ? { history: input.history } : {}),
        ...(input.progress ? { progress: input.progress } : {}),
      });
      if (answer.timings.searchMs !== undefined) this.opts.observer?.retrieval?.(answer.timings.searchMs / 1000);
      return done({ kind: answer.noAnswer ? 'no_answer' : 'answered', answer, ...answerBlocks(answer) });
    } catch (err) {
      // The answerer's own verdict on the question (empty, too long): tell the user, nothing is broken.
      if (err instanceof QuestionError)
        return done({ kind: 'usage', ...messageBlocks(`:warning: ${escapeMrkdwn(err.message)}`, err.message) });
      const errorId = randomUUID();
      this.opts.logger.error({ err, errorId, userId: input.userId, channel: input.channel, sessionId }, 'answering a question failed');
      return done({
        kind: 'error',
        errorId,
        ...messageBlocks(
          `:warning: Sorry, I couldn't answer that just now — the knowledge base or the language model is not responding. Please try again in a minute; if it keeps happening, give this reference to whoever runs Trajanus: \`${errorId}\``,
          `Sorry, I couldn't answer that just now (reference ${errorId}).`,
        ),
      });
    }
  }
}
