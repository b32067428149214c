import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { restoreDatabase } from '../core/backup.js';

const command: Command = {
  usage: `trajanus restore <file> --yes

<file> is a trajanus-*.dump (restored into DATABASE_URL with pg_restore --clean) or a
trajanus-*.pglite.tar.gz (unpacked into TRAJANUS_DATA_DIR; the previous data folder is kept aside).
Stop the bot first. Migrations newer than the backup are applied at the next start.`,
  async run(args) {
    const files = args.filter((a) => !a.startsWith('--'));
    if (files.length !== 1) {
      console.error('Usage: trajanus restore <file> --yes');
      return 2;
    }
    if (!args.includes('--yes')) {
      console.error('A restore replaces the current data. Run again with --yes to proceed.');
      return 2;
    }
    const config = loadConfig();
    // The database is deliberately not opened: an embedded restore replaces the data folder and
    // must hold its lock, which an open EmbeddedDatabase (even ours) would refuse.
    const r = await restoreDatabase({
      file: files[0]!,
      databaseUrl: config.DATABASE_URL,
      dataDir: config.TRAJANUS_DATA_DIR,
      pgRestorePath: config.PG_RESTORE_PATH,
      confirm: true,
    });
    console.log(`Restored ${r.file} (${r.kind}) in ${r.durationMs} ms.`);
    if (r.previousDataDir) console.log(`The previous data folder is at ${r.previousDataDir}: delete it once the restore is checked.`);
  },
};
export default command;
