import { parseArgs } from 'node:util';
import type { Command } from '../cli.js';
import { loadConfig } from '../config.js';
import { createServices } from '../core/services.js';
import { formatAnswer } from '../core/answer/format.js';
import { cliScope } from './as-scope.js';

const command: Command = {
  summary: 'answer a question from the knowledge base, with its sources',
  usage: 'trajanus ask "question" [--as email] [--category c] [--type t] [--json]',
  async run(args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, category: { type: 'string' }, type: { type: 'string' }, as: { type: 'string' } },
    });
    const question = positionals.join(' ').trim();
    if (!question) {
      console.error('Usage: trajanus ask "question" [--as email] [--category c] [--type t] [--json]');
      return 2;
    }
    const services = await createServices(loadConfig());
    try {
      const filters = values.category || values.type ? { category: values.category, docType: values.type } : undefined;
      // --as: exactly what that person would be answered in a direct message; without it, everything (operator).
      const access = await cliScope(services.db, services.config, values.as);
      const a = await services.answerer.answer(question, { access, filters, userId: values.as ? `cli:${values.as}` : 'cli' });
      console.log(values.json ? JSON.stringify({ ...a, answer: a.answer, sources: a.sources, noAnswer: a.noAnswer }, null, 2) : formatAnswer(a));
    } finally {
      await services.close();
    }
  },
};
export default command;
