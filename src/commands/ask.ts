import { parseArgs } from 'node:util';
import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { createServices } from '../core/services.js';
import { formatAnswer } from '../core/answer/format.js';

const command: Command = {
  usage: 'trajanus ask "question" [--category c] [--type t] [--json]',
  async run(args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, category: { type: 'string' }, type: { type: 'string' } },
    });
    const question = positionals.join(' ').trim();
    if (!question) {
      console.error('Usage: trajanus ask "question" [--category c] [--type t] [--json]');
      return 2;
    }
    const services = await createServices(loadConfig());
    try {
      const filters = values.category || values.type ? { category: values.category, docType: values.type } : undefined;
      const a = await services.answerer.answer(question, { filters, userId: 'cli' });
      console.log(values.json ? JSON.stringify(a, null, 2) : formatAnswer(a));
    } finally {
      await services.close();
    }
  },
};
export default command;
