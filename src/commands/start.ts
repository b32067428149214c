import type { Command } from '../cli.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import { migrate } from '../core/db/migrate.js';
import { databaseStatus, formatStatus } from '../core/status.js';

// Until the bot lands, start migrates and reports status; the Slack issue replaces this body.
const command: Command = {
  summary: 'run the bot (Slack, or a terminal chat without Slack credentials) and the scheduled jobs',
  async run() {
    const config = loadConfig();
    const db = await openDatabase(config);
    try {
      await migrate(db);
      console.log(formatStatus(await databaseStatus(db)));
    } finally {
      await db.close();
    }
  },
};
export default command;
