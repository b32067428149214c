import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import { databaseStatus, formatStatus } from '../core/status.js';

const command: Command = {
  usage: 'trajanus status [--json]',
  async run(args) {
    const db = await openDatabase(loadConfig(), { brief: true });
    try {
      const s = await databaseStatus(db);
      console.log(args.includes('--json') ? JSON.stringify(s, null, 2) : formatStatus(s));
    } finally {
      await db.close();
    }
  },
};
export default command;
