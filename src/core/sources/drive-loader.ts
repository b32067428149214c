// The configured Drive source, with drive.ts (and googleapis) imported only when Drive is used:
// every command paid about 2 s for it before, `trajanus help` included.
import type { Config } from '../../config.js';
import type { IncrementalSource } from './types.js';

/** The configured Drive source (driveSourceFromConfig in drive.ts says what it checks). */
export async function loadDriveSource(config: Config): Promise<IncrementalSource> {
  const { driveSourceFromConfig } = await import('./drive.js');
  return driveSourceFromConfig(config);
}
