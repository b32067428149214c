import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Command } from './types.js';
import type { Services } from '../core/services.js';
import { cleanUserText } from '../core/user-text.js';
import { AS_HELP, audienceLabel, cliAudience } from './as-scope.js';
import { type CommandOutput, runWhereTheDatabaseIs } from './resident.js';

const USAGE = `trajanus ask "question" [--as email [--channel id]] [--category c] [--type t] [--json]
echo "question" | trajanus ask [--json]

${AS_HELP}
  --json        the answer as JSON: answer, sources, noAnswer (and searched, audience)
  With no question in the arguments, the question is read from standard input.
  While \`trajanus start\` runs on the embedded database, it answers (with its configuration).`;

/** A parsed `ask`: what the process holding the database needs to answer it (checked there: it may be another version). */
export const askRequest = z.object({
  question: z.string().min(1),
  json: z.boolean(),
  category: z.string().optional(),
  type: z.string().optional(),
  as: z.string().optional(),
  channel: z.string().optional(),
});
export type AskRequest = z.infer<typeof askRequest>;

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
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        category: { type: 'string' },
        type: { type: 'string' },
        as: { type: 'string' },
        channel: { type: 'string' },
      },
    });
    // A terminal on stdin means nobody is piping a question in: say how to ask instead of waiting.
    const raw = positionals.length || process.stdin.isTTY ? positionals.join(' ') : await text(process.stdin);
    const question = cleanUserText(raw);
    if (!question) {
      console.error(`trajanus ask: give a question\n\n${USAGE}`);
      return 2;
    }
    const req: AskRequest = {
      question,
      json: values.json!,
      category: values.category,
      type: values.type,
      as: values.as,
      channel: values.channel,
    };
    return runWhereTheDatabaseIs('ask', req, answerAsk);
  },
};
export default command;
