import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../core/db/index.js';
import { migrate } from '../core/db/migrate.js';

const command: Command = {
  async run() {
    const db = await openDatabase(loadConfig());
    try {
      const applied = await migrate(db, { onApply: (m) => console.log(`applied ${m.file}`) });
      console.log(applied.length ? `${applied.length} migration(s) applied to ${db.description}` : `up to date (${db.description})`);
    } finally {
      await db.close();
    }
  },
};
export default command;
