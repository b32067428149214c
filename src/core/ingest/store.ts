// Writes one document and all its chunks in one transaction: a crash mid-write leaves the
// previous version whole, and a re-run picks up from there. A document of many batches is staged
// batch by batch beside the live version (staged_chunks) and switched in one transaction.
import type { Database, Queryable } from '../db/types.js';
import type { Chunk } from '../chunk.js';
import type { SourceFile } from '../sources/types.js';
import { syncDocumentsAccess } from '../access/store.js';
import type { RevisionInfo } from '../revisions/mark.js';
import { type ChunkRow, chunkColumns, insertChunkRows } from './chunk-rows.js';

export interface StoredDocument {
  id: string;
  file_id: string;
  title: string;
  source_version: string | null;
  content_hash: string;
  file_path: string | null;
  category: string | null;
  doc_type: string | null;
  url: string | null;
}

const STORED_COLUMNS = 'id, file_id, title, source_version, content_hash, file_path, category, doc_type, url';

export async function existingDocuments(db: Queryable, source: string): Promise<Map<string, StoredDocument>> {
  const r = await db.query<StoredDocument>(`SELECT ${STORED_COLUMNS} FROM documents WHERE source = $1`, [source]);
  return new Map(r.rows.map((d) => [d.file_id, d]));
}

export async function findDocument(db: Queryable, fileId: string): Promise<StoredDocument | undefined> {
  const r = await db.query<StoredDocument>(`SELECT ${STORED_COLUMNS} FROM documents WHERE file_id = $1`, [fileId]);
  return r.rows[0];
}

/** A document's own row: everything but its chunks. */
export interface DocumentHeader {
  source: string;
  file: SourceFile;
  title: string;
  text: string;
  contentHash: string;
  /** The revision mark, family base and stated date the document gives of itself. */
  revision?: RevisionInfo;
  /** What extraction recorded (notes such as pages left unread over the OCR budget). */
  extraction?: Record<string, unknown>;
}

export interface DocumentWrite extends DocumentHeader {
  chunks: Chunk[];
  vectors: number[][];
  model: string;
}

/** Words without building an array of them (a 30 MB text has millions). */
function wordCount(text: string): number {
  let n = 0;
  const word = /\S+/g;
  while (word.exec(text)) n++;
  return n;
}

async function upsertDocument(tx: Queryable, w: DocumentHeader): Promise<string> {
  return (await upsertDocuments(tx, [w]))[0];
}

/** The documents' rows (inserted, or replacing the row of the same file_id) and their permissions, set-wise; their ids in order. */
async function upsertDocuments(tx: Queryable, ws: readonly DocumentHeader[]): Promise<string[]> {
  const col = <T>(f: (w: DocumentHeader) => T) => ws.map(f);
  const doc = await tx.query<{ id: string; file_id: string }>(
    `INSERT INTO documents (title, content, metadata, doc_type, category, source, file_path, file_id, url, mime_type, word_count, content_hash, source_version, modified_at,
                            revision, revision_base, stated_date, extraction)
     SELECT title, content, metadata::jsonb, doc_type, category, source, file_path, file_id, url, mime_type, word_count, content_hash, source_version,
            modified_at::timestamptz, revision, revision_base, stated_date::date, extraction::jsonb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[],
                 $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])
       AS u(title, content, metadata, doc_type, category, source, file_path, file_id, url, mime_type, word_count, content_hash, source_version,
            modified_at, revision, revision_base, stated_date, extraction)
     ON CONFLICT (file_id) DO UPDATE SET
       title = EXCLUDED.title, content = EXCLUDED.content, metadata = EXCLUDED.metadata, doc_type = EXCLUDED.doc_type,
       category = EXCLUDED.category, source = EXCLUDED.source, file_path = EXCLUDED.file_path, url = EXCLUDED.url,
       mime_type = EXCLUDED.mime_type, word_count = EXCLUDED.word_count, content_hash = EXCLUDED.content_hash,
       source_version = EXCLUDED.source_version, modified_at = EXCLUDED.modified_at, revision = EXCLUDED.revision,
       revision_base = EXCLUDED.revision_base, stated_date = EXCLUDED.stated_date, extraction = EXCLUDED.extraction, updated_at = now(), ingested_at = now()
     RETURNING id, file_id`,
    [
      col((w) => w.title),
      col((w) => w.text),
      col((w) => JSON.stringify(w.file.metadata ?? {})),
      col((w) => w.file.docType ?? null),
      col((w) => w.file.category ?? null),
      col((w) => w.source),
      col((w) => w.file.path ?? null),
      col((w) => w.file.fileId),
      col((w) => w.file.url ?? null),
      col((w) => w.file.mimeType),
      col((w) => wordCount(w.text)),
      col((w) => w.contentHash),
      col((w) => w.file.version ?? null),
      col((w) => (w.file.modifiedAt ? new Date(w.file.modifiedAt).toISOString() : null)),
      col((w) => w.revision?.mark ?? null),
      col((w) => w.revision?.base ?? null),
      col((w) => w.revision?.statedDate ?? null),
      col((w) => JSON.stringify(w.extraction ?? {})),
    ],
  );
  const byFile = new Map(doc.rows.map((r) => [r.file_id, r.id]));
  const ids = ws.map((w) => byFile.get(w.file.fileId)!);
  await syncDocumentsAccess(
    tx,
    ws.map((w, i) => ({ documentId: ids[i], access: w.file.access })),
  );
  return ids;
}

/** A document that fits in one batch: its row and all its chunks in one transaction. */
export async function writeDocument(db: Database, w: DocumentWrite): Promise<void> {
  await writeDocuments(db, [w]);
}

/**
 * Several whole documents in one transaction (each replaces its previous version; a crash leaves
 * every one of them as it was): the bulk path for many already-embedded chunks. Their chunks go in
 * as one statement, so BM25 postings are built once for the set (see chunk-rows.ts).
 */
export async function writeDocuments(db: Database, writes: readonly DocumentWrite[]): Promise<number> {
  if (!writes.length) return 0;
  const models = new Set(writes.map((w) => w.model));
  if (models.size > 1) throw new Error(`writeDocuments: one embedding model per call, got ${[...models].join(', ')}`);
  const fileIds = new Set<string>();
  for (const w of writes) {
    if (fileIds.has(w.file.fileId)) throw new Error(`writeDocuments: ${w.file.fileId} is given twice`);
    fileIds.add(w.file.fileId);
    if (w.vectors.length !== w.chunks.length)
      throw new Error(`${w.file.fileId}: ${w.chunks.length} chunks but ${w.vectors.length} vectors`);
  }
  return db.transaction(async (tx) => {
    const ids = await upsertDocuments(tx, writes);
    const rows: ChunkRow[] = writes.flatMap((w, d) => w.chunks.map((chunk, i) => ({ documentId: ids[d], chunk, vector: w.vectors[i] })));
    await tx.query('DELETE FROM chunks WHERE document_id = ANY ($1::uuid[])', [ids]);
    const written = await insertChunkRows(tx, writes[0].model, rows);
    await tx.query('DELETE FROM staged_chunks WHERE file_id = ANY ($1::text[])', [writes.map((w) => w.file.fileId)]);
    return written;
  });
}

// ── a large document: batches staged beside the live version, then switched in one transaction

/** How many chunks of this version an earlier, interrupted run already staged (other versions' batches are dropped). */
export async function stagedChunks(db: Queryable, fileId: string, versionKey: string): Promise<number> {
  await db.query('DELETE FROM staged_chunks WHERE file_id = $1 AND version_key <> $2', [fileId, versionKey]);
  const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staged_chunks WHERE file_id = $1 AND version_key = $2', [
    fileId,
    versionKey,
  ]);
  return r.rows[0].n;
}

/** One batch, committed on its own: an interruption keeps it for the next run. */
export async function stageChunks(
  db: Queryable,
  fileId: string,
  versionKey: string,
  model: string,
  chunks: Chunk[],
  vectors: number[][],
): Promise<void> {
  await db.query(
    `INSERT INTO staged_chunks (file_id, version_key, embedding_model, chunk_index, content, context, embedding, token_count, metadata, location)
     SELECT $1, $2, $3, i, c, ctx, e::vector, t, m::jsonb, loc::jsonb
     FROM unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[]) AS u(i, c, ctx, e, t, m, loc)
     ON CONFLICT (file_id, version_key, chunk_index) DO NOTHING`,
    [fileId, versionKey, model, ...chunkColumns(chunks, vectors)],
  );
}

/** Every batch is staged: replace the document's row and chunks with them in one transaction (readers see the old version or the new, whole). */
export async function switchStagedDocument(db: Database, w: DocumentHeader, versionKey: string): Promise<number> {
  return db.transaction(async (tx) => {
    const id = await upsertDocument(tx, w);
    await tx.query('DELETE FROM chunks WHERE document_id = $1', [id]);
    const r = await tx.query(
      `INSERT INTO chunks (document_id, chunk_index, content, context, embedding, embedding_model, token_count, metadata, location)
       SELECT $1::uuid, chunk_index, content, context, embedding, embedding_model, token_count, metadata, location
         FROM staged_chunks WHERE file_id = $2 AND version_key = $3 ORDER BY chunk_index`,
      [id, w.file.fileId, versionKey],
    );
    await tx.query('DELETE FROM staged_chunks WHERE file_id = $1', [w.file.fileId]);
    return r.rowCount;
  });
}

/**
 * The file's text and title are unchanged (a move, a sharing change, a new version marker): update
 * every column that does not depend on the title, and leave the chunks (whose context carries it) alone.
 */
export async function updateDocumentMetadata(db: Queryable, file: SourceFile): Promise<void> {
  await db.query(
    `UPDATE documents SET file_path = $2, category = $3, doc_type = $4, url = $5, metadata = $6::jsonb, mime_type = $7,
       modified_at = $8, source_version = $9, updated_at = now()
     WHERE file_id = $1`,
    [
      file.fileId,
      file.path ?? null,
      file.category ?? null,
      file.docType ?? null,
      file.url ?? null,
      JSON.stringify(file.metadata ?? {}),
      file.mimeType,
      file.modifiedAt ?? null,
      file.version ?? null,
    ],
  );
}

export async function deleteDocuments(db: Queryable, fileIds: string[]): Promise<number> {
  if (!fileIds.length) return 0;
  const r = await db.query('DELETE FROM documents WHERE file_id = ANY($1::text[])', [fileIds]);
  await db.query('DELETE FROM staged_chunks WHERE file_id = ANY($1::text[])', [fileIds]);
  return r.rowCount;
}
