// Ingesting a local folder: the pipeline plus the one-folder-at-a-time rule (sources/folder-root.ts),
// applied under the ingest lock so that two runs cannot both claim the knowledge base.
import { assertFolderRoot, claimFolderRoot, completeFolderRoot } from '../sources/folder-root.js';
import type { FolderSource } from '../sources/folder.js';
import { ingest, type IngestDeps, type IngestOptions } from './index.js';

export async function ingestFolder(
  deps: IngestDeps,
  source: FolderSource,
  opts: Omit<IngestOptions, 'begin' | 'complete'> & { replace?: boolean } = {},
) {
  await source.assertExists();
  // A dry run writes nothing, so it claims nothing either; it still refuses another folder.
  if (opts.dryRun) await assertFolderRoot(deps.db, source.root, opts.replace);
  return ingest(deps, source, {
    ...opts,
    begin: (db) => claimFolderRoot(db, source.root, opts.replace),
    complete: (db) => completeFolderRoot(db),
  });
}
