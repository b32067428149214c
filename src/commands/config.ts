import type { Command } from './types.js';
import { configMarkdownTable, loadConfig } from '../config.js';

const command: Command = {
  usage: 'trajanus config [--markdown]',
  async run(args) {
    if (args.includes('--markdown')) {
      console.log(configMarkdownTable());
      return;
    }
    const c = loadConfig();
    console.log(
      `configuration ok: database ${c.DATABASE_URL ? 'postgres' : 'embedded'}, embedder ${c.embeddingProvider}, answers ${c.answerProvider}, slack ${c.slackMode}`,
    );
  },
};
export default command;
