import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import { collectHealth, formatHealth } from '../core/health.js';

const command: Command = {
  usage: 'trajanus health [--json]',
  async run(args) {
    const config = loadConfig();
    const db = await openDatabase(config, { brief: true });
    try {
      const h = await collectHealth(db, {
        backupDir: config.BACKUP_DIR,
        p95WarnMs: config.HEALTH_P95_WARN_MS,
        backupWarnHours: config.HEALTH_BACKUP_WARN_HOURS,
      });
      console.log(args.includes('--json') ? JSON.stringify(h, null, 2) : formatHealth(h));
    } finally {
      await db.close();
    }
  },
};
export default command;
