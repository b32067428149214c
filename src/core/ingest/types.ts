export interface IngestSummary {
  source: string;
  mode: 'full' | 'incremental' | 'dry-run';
  files: number;
  added: number;
  changed: number;
  unchanged: number;
  deleted: number;
  failed: number;
  /** Files not read on purpose (a type we do not extract, over the size limit): counted and named in `skips`, not failed. */
  skipped: number;
  chunks: number;
  embedded: number;
  cache_hits: number;
  /** Unchanged documents whose permissions changed (updated without fetching or embedding). */
  access_changed: number;
  /** Chunks taken from the committed batches of an interrupted run instead of being embedded again. */
  resumed: number;
  /** Each failed file and why. */
  /** Google groups whose members were read / could not be read (sources with a group directory). */
  groups?: { resolved: number; unresolved: number };
  errors: { fileId: string; title: string; error: string }[];
  /** Documents indexed in part, and why (scanned pages over the OCR budget …). */
  warnings: { fileId: string; title: string; warning: string }[];
  /** Each skipped file and why. */
  skips: { fileId: string; title: string; reason: string }[];
  /** dry-run only: what would change */
  plan?: { action: 'add' | 'change' | 'delete'; fileId: string; title: string }[];
  durationMs: number;
}

export interface IngestProgress {
  phase: 'listing' | 'files' | 'deleting' | 'done';
  done: number;
  total: number;
  current?: string;
  /** Within a large file: how far it has been read (0–1) and how many of its chunks are embedded. */
  file?: { title: string; fraction: number; chunks: number };
  summary: IngestSummary;
}

export const emptySummary = (source: string, mode: IngestSummary['mode']): IngestSummary => ({
  source,
  mode,
  files: 0,
  added: 0,
  changed: 0,
  unchanged: 0,
  deleted: 0,
  failed: 0,
  skipped: 0,
  chunks: 0,
  embedded: 0,
  cache_hits: 0,
  access_changed: 0,
  resumed: 0,
  errors: [],
  skips: [],
  warnings: [],
  durationMs: 0,
});

/** Another ingest of the same source holds its lock (another process, or another call in this one). */
export class IngestBusyError extends Error {
  constructor(public readonly source: string) {
    super(`another ingest of ${source} is running; try again when it finishes`);
    this.name = 'IngestBusyError';
  }
}

/** The run was asked to stop (a signal): what is committed stays, and the next run resumes. */
export class IngestInterruptedError extends Error {
  constructor(
    public readonly reason: string,
    public readonly summary: IngestSummary,
  ) {
    super(`ingest interrupted (${reason}); what was indexed is kept and the next run resumes`);
    this.name = 'IngestInterruptedError';
  }
}
