import { type Command, UsageError } from './types.js';
import type { Services } from '../core/services.js';
import { cleanUserText } from '../core/user-text.js';
import { AS_HELP, audienceLabel, cliAudience } from './as-scope.js';
import { runHere } from './resident.js';
import { askStdin, type CommandOutput, parseAskArgs } from './resident-client.js';

const USAGE = `trajanus ask "question" [--as email [--channel id]] [--category c] [--type t] [--json]
echo "question" | trajanus ask [--json]

${AS_HELP}
  --json        the answer as JSON: answer, sources, noAnswer (and searched, audience)
  With no question in the arguments, the question is read from standard input.
  While \`trajanus start\` runs on the embedded database, it answers (with its configuration).`;

/** A parsed `ask`: what the process holding the database needs to answer it. */
export interface AskRequest {
  question: string;
  json: boolean;
  category?: string;
  type?: string;
  as?: string;
  channel?: string;
}

/**
 * `trajanus ask`'s arguments (and `stdin`, the question piped in when they hold none) as a request;
 * throws UsageError. The one parser of ask, here and in the process that serves it over the socket.
 */
export function parseAsk(args: string[], stdin: string | undefined): AskRequest {
  const { values, positionals } = parseAskArgs(args);
  const question = cleanUserText(positionals.length ? positionals.join(' ') : (stdin ?? ''));
  if (!question) throw new UsageError(`give a question\n\n${USAGE}`);
  return { question, json: values.json!, category: values.category, type: values.type, as: values.as, channel: values.channel };
}

/** The answer as `trajanus ask` prints it, from these services (this process's, or the running bot's). */
export async function answerAsk(req: AskRequest, services: Services): Promise<CommandOutput> {
  // The answer's formatting loads only in the process that computes it.
  const { formatAnswer } = await import('../core/answer/format.js');
  const filters = req.category || req.type ? { category: req.category, docType: req.type } : undefined;
  // --as: exactly what that person would be answered in a DM (--channel: in that channel); without it, everything (operator).
  const who = await cliAudience(services.db, services.config, req.as, req.channel);
  const a = await services.answerer.answer(req.question, {
    access: who.access,
    scope: who.scope,
    filters,
    userId: req.as ? `cli:${req.as}` : 'cli',
  });
  const audience = audienceLabel(who);
  const stdout = req.json
    ? JSON.stringify({ ...a, answer: a.answer, sources: a.sources, noAnswer: a.noAnswer, audience }, null, 2)
    : `${formatAnswer(a)}\nAnswered as for: ${audience}`;
  return { code: 0, stdout: `${stdout}\n`, stderr: '' };
}

const command: Command = {
  usage: USAGE,
  async run(args) {
    return runHere('ask', async () => parseAsk(args, await askStdin(args)), answerAsk);
  },
};
export default command;
