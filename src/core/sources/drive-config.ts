// Whether Drive is the knowledge source: a check on configuration alone, so that callers can ask
// it without importing drive.ts (and googleapis, about 2 s to import).
import type { Config } from '../../config.js';

/** Drive is the knowledge source when folders or shared drives are configured. */
export const driveConfigured = (config: Pick<Config, 'DRIVE_FOLDER_IDS' | 'DRIVE_SHARED_DRIVE_IDS'>): boolean =>
  config.DRIVE_FOLDER_IDS.length > 0 || config.DRIVE_SHARED_DRIVE_IDS.length > 0;
