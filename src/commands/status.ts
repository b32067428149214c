import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import type { Database } from '../core/db/types.js';
import { databaseStatus, formatStatus } from '../core/status.js';
import { type CommandOutput, printOutput } from './resident-client.js';

/** What `trajanus status` prints for this database (this process's, or the running bot's). */
export async function statusOutput(args: string[], db: Database): Promise<CommandOutput> {
  const s = await databaseStatus(db);
  return { code: 0, stdout: `${args.includes('--json') ? JSON.stringify(s, null, 2) : formatStatus(s)}\n`, stderr: '' };
}

const command: Command = {
  usage: 'trajanus status [--json]\n  While `trajanus start` runs on the embedded database, it answers.',
  async run(args) {
    const db = await openDatabase(loadConfig(), { brief: true });
    try {
      return printOutput(await statusOutput(args, db));
    } finally {
      await db.close();
    }
  },
};
export default command;
