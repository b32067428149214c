export interface IngestSummary {
  source: string;
  mode: 'full' | 'incremental' | 'dry-run';
  files: number;
  added: number;
  changed: number;
  unchanged: number;
  deleted: number;
  failed: number;
  /** Files of a type we do not extract (images, archives …): counted, not failed. */
  skipped: number;
  chunks: number;
  embedded: number;
  cache_hits: number;
  errors: { fileId: string; title: string; error: string }[];
  /** Documents indexed in part, and why (scanned pages over the OCR budget …). */
  warnings: { fileId: string; title: string; warning: string }[];
  /** dry-run only: what would change */
  plan?: { action: 'add' | 'change' | 'delete'; fileId: string; title: string }[];
  durationMs: number;
}

export interface IngestProgress {
  phase: 'listing' | 'files' | 'deleting' | 'done';
  done: number;
  total: number;
  current?: string;
  summary: IngestSummary;
}

export const emptySummary = (source: string, mode: IngestSummary['mode']): IngestSummary => ({
  source, mode, files: 0, added: 0, changed: 0, unchanged: 0, deleted: 0, failed: 0, skipped: 0, chunks: 0, embedded: 0, cache_hits: 0, errors: [], warnings: [], durationMs: 0,
});

/** Another ingest of the same source holds its lock (another process, or another call in this one). */
export class IngestBusyError extends Error {
  constructor(public readonly source: string) {
    super(`another ingest of ${source} is running; try again when it finishes`);
    this.name = 'IngestBusyError';
  }
}
