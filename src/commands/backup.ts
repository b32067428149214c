import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import { backupDatabase, pruneBackups } from '../core/backup.js';
import { formatBytes } from '../core/health.js';

const command: Command = {
  usage: `trajanus backup

Postgres: pg_dump -Fc (PG_DUMP_PATH), checked with pg_restore --list.
Embedded: the PGlite data folder as a tarball. The folder is locked while the bot runs: stop it
first, or have the bot run its backup job now with \`trajanus jobs run backup\` (or wait for
JOB_BACKUP_CRON).`,
  async run() {
    const config = loadConfig();
    const db = await openDatabase(config);
    try {
      const b = await backupDatabase({
        db,
        databaseUrl: config.DATABASE_URL,
        dir: config.BACKUP_DIR,
        pgDumpPath: config.PG_DUMP_PATH,
        pgRestorePath: config.PG_RESTORE_PATH,
      });
      console.log(`Backup written: ${b.file} (${formatBytes(b.bytes)}, ${b.durationMs} ms)`);
      const pruned = pruneBackups(config.BACKUP_DIR, config.BACKUP_RETENTION_DAYS);
      if (pruned.length)
        console.log(`Deleted ${pruned.length} backup(s) older than ${config.BACKUP_RETENTION_DAYS} days: ${pruned.join(', ')}`);
    } finally {
      await db.close();
    }
  },
};
export default command;
