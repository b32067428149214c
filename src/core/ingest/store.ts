// Writes one document and all its chunks in one transaction: a crash mid-write leaves the
// previous version whole, and a re-run picks up from there.
import type { Database, Queryable } from '../db/types.js';
import { toVector } from '../db/vector.js';
import type { Chunk } from '../chunk.js';
import type { SourceFile } from '../sources/types.js';
import type { RevisionInfo } from '../revisions/mark.js';

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

export interface DocumentWrite {
  source: string;
  file: SourceFile;
  title: string;
  text: string;
  contentHash: string;
  chunks: Chunk[];
  vectors: number[][];
  model: string;
  /** The revision mark, family base and stated date the document gives of itself. */
  revision?: RevisionInfo;
  /** What extraction recorded (notes such as pages left unread over the OCR budget). */
  extraction?: Record<string, unknown>;
}

export async function writeDocument(db: Database, w: DocumentWrite): Promise<void> {
  await db.transaction(async (tx) => {
    const doc = await tx.query<{ id: string }>(
      `INSERT INTO documents (title, content, metadata, doc_type, category, source, file_path, file_id, url, mime_type, word_count, content_hash, source_version, modified_at,
                              revision, revision_base, stated_date, extraction)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::date, $18::jsonb)
       ON CONFLICT (file_id) DO UPDATE SET
         title = EXCLUDED.title, content = EXCLUDED.content, metadata = EXCLUDED.metadata, doc_type = EXCLUDED.doc_type,
         category = EXCLUDED.category, source = EXCLUDED.source, file_path = EXCLUDED.file_path, url = EXCLUDED.url,
         mime_type = EXCLUDED.mime_type, word_count = EXCLUDED.word_count, content_hash = EXCLUDED.content_hash,
         source_version = EXCLUDED.source_version, modified_at = EXCLUDED.modified_at, revision = EXCLUDED.revision,
         revision_base = EXCLUDED.revision_base, stated_date = EXCLUDED.stated_date, extraction = EXCLUDED.extraction, updated_at = now(), ingested_at = now()
       RETURNING id`,
      [
        w.title, w.text, JSON.stringify(w.file.metadata ?? {}), w.file.docType ?? null, w.file.category ?? null, w.source,
        w.file.path ?? null, w.file.fileId, w.file.url ?? null, w.file.mimeType, w.text.split(/\s+/).filter(Boolean).length,
        w.contentHash, w.file.version ?? null, w.file.modifiedAt ?? null,
        w.revision?.mark ?? null, w.revision?.base ?? null, w.revision?.statedDate ?? null, JSON.stringify(w.extraction ?? {}),
      ],
    );
    const id = doc.rows[0].id;
    await tx.query('DELETE FROM chunks WHERE document_id = $1', [id]);
    if (w.chunks.length)
      await tx.query(
        `INSERT INTO chunks (document_id, chunk_index, content, context, embedding, embedding_model, token_count, metadata, location)
         SELECT $1::uuid, i, c, ctx, e::vector, $2, t, m::jsonb, loc::jsonb
         FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[]) AS u(i, c, ctx, e, t, m, loc)`,
        [
          id, w.model,
          w.chunks.map((c) => c.index), w.chunks.map((c) => c.content), w.chunks.map((c) => c.context),
          w.vectors.map(toVector), w.chunks.map((c) => c.tokenCount), w.chunks.map((c) => JSON.stringify({ headingPath: c.headingPath })),
          w.chunks.map((c) => (c.location ? JSON.stringify(c.location) : null)),
        ],
      );
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
      file.fileId, file.path ?? null, file.category ?? null, file.docType ?? null, file.url ?? null, JSON.stringify(file.metadata ?? {}),
      file.mimeType, file.modifiedAt ?? null, file.version ?? null,
    ],
  );
}

export async function deleteDocuments(db: Queryable, fileIds: string[]): Promise<number> {
  if (!fileIds.length) return 0;
  const r = await db.query('DELETE FROM documents WHERE file_id = ANY($1::text[])', [fileIds]);
  return r.rowCount;
}
