import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { createServices } from '../core/services.js';
import { formatAnswer } from '../core/answer/format.js';
import { cleanUserText } from '../core/user-text.js';
import { cliScope } from './as-scope.js';

const USAGE = `trajanus ask "question" [--as email] [--category c] [--type t] [--json]
echo "question" | trajanus ask [--json]

  --as email   answer exactly as that person would be answered in a direct message
               (default: every document — the operator's view)
  With no question in the arguments, the question is read from standard input.`;

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
      },
    });
    // A terminal on stdin means nobody is piping a question in: say how to ask instead of waiting.
    const raw = positionals.length || process.stdin.isTTY ? positionals.join(' ') : await text(process.stdin);
    const question = cleanUserText(raw);
    if (!question) {
      console.error(`trajanus ask: give a question\n\n${USAGE}`);
      return 2;
    }
    const services = await createServices(loadConfig(), { oneShot: true });
    try {
      const filters = values.category || values.type ? { category: values.category, docType: values.type } : undefined;
      // --as: exactly what that person would be answered in a direct message; without it, everything (operator).
      const access = await cliScope(services.db, services.config, values.as);
      const a = await services.answerer.answer(question, { access, filters, userId: values.as ? `cli:${values.as}` : 'cli' });
      console.log(
        values.json ? JSON.stringify({ ...a, answer: a.answer, sources: a.sources, noAnswer: a.noAnswer }, null, 2) : formatAnswer(a),
      );
    } finally {
      await services.close();
    }
  },
};
export default command;
