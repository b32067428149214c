// One process at a time per embedded data folder: a pid file, taken atomically (O_EXCL), whose
// holder is checked for life so a crashed process's lock does not block the next start. The
// database and a restore take the same lock, so neither touches the folder while the other does.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PID_FILE = 'trajanus.pid';

export class FolderLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: number,
  ) {
    super(`${dir} is locked by process ${holder}`);
    this.name = 'FolderLockedError';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the folder's lock and returns its release. `reentrant`: a lock already held by this very
 * process is taken over (a reopen after close); otherwise it counts as held.
 */
export function takeFolderLock(dir: string, opts: { reentrant?: boolean } = {}): () => void {
  const file = join(dir, PID_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (holder && !(opts.reentrant && holder === process.pid) && pidAlive(holder)) throw new FolderLockedError(dir, holder);
      rmSync(file, { force: true }); // stale lock from a crashed process
    }
  }
  throw new Error(`Could not lock the folder ${dir}`);
}
