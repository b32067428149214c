/** The DocumentSource seam: where documents come from (a local folder, Google Drive). */
export interface SourceFile {
  /** Source-qualified, stable identity stored in documents.file_id, e.g. "folder:safety/plan.md", "drive:1AbC". */
  fileId: string;
  title: string;
  mimeType: string;
  /** Path shown to people: folder-relative path, or the Drive folder path. */
  path?: string;
  /** Link for citations: webViewLink, or a file:// URL. */
  url?: string;
  modifiedAt?: Date;
  /** Cheap change marker from the source (Drive md5Checksum/version, file mtime+size), when it has one. */
  version?: string;
  category?: string;
  docType?: string;
  /** Owner, sharing, Drive ids … stored in documents.metadata. */
  metadata: Record<string, unknown>;
  /**
   * Who may open the file (document_access). Absent: the source reported nothing, and the document
   * is visible to nobody (fail closed). A source without ACLs says so explicitly (the folder source: workspace).
   */
  access?: SourceAccess;
}

export interface SourceGrant {
  /** 'anyone', 'workspace', 'user:…', 'group:…', 'domain:…' (see core/access/scope.ts). */
  principal: string;
  role?: string;
  via: 'file' | 'drive' | 'source';
}

/** The file's permissions, or why they could not be read (then nobody may see it, and the health report counts it). */
export type SourceAccess = { grants: SourceGrant[] } | { error: string };

export interface FetchedFile {
  data: Buffer;
  /** The MIME type of `data` (an exported Google Doc is text/plain or text/markdown, a Sheet text/csv). */
  mimeType: string;
}

export type SourceChange = { kind: 'upsert'; file: SourceFile } | { kind: 'delete'; fileId: string };

export interface DocumentSource {
  /** 'folder' | 'drive' — stored in documents.source; a full sync deletes that source's documents it no longer lists. */
  readonly name: string;
  /** Every current file (full sync). */
  list(): AsyncIterable<SourceFile>;
  /** The bytes of one file (download or export). Throws a SourceFileError for that file only. */
  fetch(file: SourceFile): Promise<FetchedFile>;
}

/** One file could not be read or extracted; the run records it and goes on. */
export class SourceFileError extends Error {
  constructor(
    public readonly fileId: string,
    message: string,
    public readonly reason: 'too-large' | 'unsupported' | 'corrupt' | 'unavailable' | 'other' = 'other',
  ) {
    super(message);
    this.name = 'SourceFileError';
  }
}

/**
 * A source that can report changes since a cursor (Drive's Changes API). The ingest pipeline
 * keeps the cursor in sync_state and falls back to a full sync when there is none or it expired.
 */
export interface IncrementalSource extends DocumentSource {
  /** A cursor for "now" (Drive: changes.getStartPageToken), taken before a full sync. */
  startCursor(): Promise<string>;
  /** Changes since `cursor`, or null when the cursor is no longer valid (expired/lost). */
  changesSince(cursor: string): Promise<{ changes: SourceChange[]; nextCursor: string } | null>;
}

export function isIncremental(s: DocumentSource): s is IncrementalSource {
  return typeof (s as IncrementalSource).changesSince === 'function';
}
