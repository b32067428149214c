// Whether Drive is the knowledge source, and the Drive source itself, loaded only when used:
// googleapis takes about 2 s to import, which every command paid before, `trajanus help` included.
import type { Config } from '../../config.js';
import type { IncrementalSource } from './types.js';

/** Drive is the knowledge source when folders or shared drives are configured. */
export const driveConfigured = (config: Pick<Config, 'DRIVE_FOLDER_IDS' | 'DRIVE_SHARED_DRIVE_IDS'>): boolean =>
  config.DRIVE_FOLDER_IDS.length > 0 || config.DRIVE_SHARED_DRIVE_IDS.length > 0;

/** The configured Drive source (see driveSourceFromConfig in drive.ts for what it checks). */
export async function loadDriveSource(config: Config): Promise<IncrementalSource> {
  const { driveSourceFromConfig } = await import('./drive.js');
  return driveSourceFromConfig(config);
}
