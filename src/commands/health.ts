import type { Command } from './types.js';
import { type Config, loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import type { Database } from '../core/db/types.js';
import { collectHealth, formatHealth } from '../core/health.js';
import { type CommandOutput, printOutput } from './resident-client.js';

/** What `trajanus health` prints, from this database and configuration (this process's, or the running bot's). */
export async function healthOutput(args: string[], db: Database, config: Config): Promise<CommandOutput> {
  const h = await collectHealth(db, {
    backupDir: config.BACKUP_DIR,
    p95WarnMs: config.HEALTH_P95_WARN_MS,
    backupWarnHours: config.HEALTH_BACKUP_WARN_HOURS,
  });
  return { code: 0, stdout: `${args.includes('--json') ? JSON.stringify(h, null, 2) : formatHealth(h)}\n`, stderr: '' };
}

const command: Command = {
  usage: 'trajanus health [--json]\n  While `trajanus start` runs on the embedded database, it answers (with its configuration).',
  async run(args) {
    const config = loadConfig();
    const db = await openDatabase(config, { brief: true });
    try {
      return printOutput(await healthOutput(args, db, config));
    } finally {
      await db.close();
    }
  },
};
export default command;
