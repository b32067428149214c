// Writing already-embedded chunks into `chunks`, as one statement however many documents they
// belong to: the BM25 statement trigger (0028) then builds one posting block per term for the
// whole statement, and where the connection can take a binary COPY (PGlite) the vectors go in as
// float4 bytes instead of text that WebAssembly would have to parse (the larger part of the cost
// of a bulk insert there). The row-wise INSERT and the COPY write the same rows: the same vectors
// (float64 → float32 rounds to nearest both ways), the same generated tsvector, the same postings
// and statistics (test/core/bulk-write.test.ts compares them).
import type { Chunk } from '../chunk.js';
import { type CopyType, encodeBinaryCopy } from '../db/binary-copy.js';
import type { Queryable } from '../db/types.js';
import { toVector } from '../db/vector.js';

export interface ChunkRow {
  documentId: string;
  chunk: Chunk;
  vector: ArrayLike<number>;
}

const COLUMNS = [
  ['document_id', 'uuid'],
  ['chunk_index', 'int4'],
  ['content', 'text'],
  ['context', 'text'],
  ['embedding', 'vector'],
  ['embedding_model', 'text'],
  ['token_count', 'int4'],
  ['metadata', 'jsonb'],
  ['location', 'jsonb'],
] as const satisfies readonly (readonly [string, CopyType])[];

const chunkMetadataJson = (c: Chunk) => JSON.stringify({ headingPath: c.headingPath });
const chunkLocationJson = (c: Chunk) => (c.location ? JSON.stringify(c.location) : null);

/**
 * The parameter arrays of a row-wise chunk insert, in the order chunk_index, content, context,
 * embedding (text), token_count, metadata, location: for every path that writes chunk rows as
 * text (chunks here, the staged batches of a large document).
 */
export const chunkColumns = (chunks: readonly Chunk[], vectors: readonly ArrayLike<number>[]) => [
  chunks.map((c) => c.index),
  chunks.map((c) => c.content),
  chunks.map((c) => c.context),
  vectors.map(toVector),
  chunks.map((c) => c.tokenCount),
  chunks.map(chunkMetadataJson),
  chunks.map(chunkLocationJson),
];

/** Inserts `rows` (all embedded with `model`) in one statement; returns how many were written. */
export async function insertChunkRows(tx: Queryable, model: string, rows: readonly ChunkRow[]): Promise<number> {
  if (!rows.length) return 0;
  if (tx.copyBinary) {
    const data = encodeBinaryCopy(
      COLUMNS.map(([, type]) => type),
      rows.map((r) => [
        r.documentId,
        r.chunk.index,
        r.chunk.content,
        r.chunk.context,
        r.vector,
        model,
        r.chunk.tokenCount,
        chunkMetadataJson(r.chunk),
        chunkLocationJson(r.chunk),
      ]),
    );
    return tx.copyBinary(
      'chunks',
      COLUMNS.map(([name]) => name),
      data,
    );
  }
  const r = await tx.query(
    `INSERT INTO chunks (document_id, chunk_index, content, context, embedding, embedding_model, token_count, metadata, location)
     SELECT d, i, c, ctx, e::vector, $1, t, m::jsonb, loc::jsonb
     FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[]) AS u(d, i, c, ctx, e, t, m, loc)`,
    [
      model,
      rows.map((r) => r.documentId),
      ...chunkColumns(
        rows.map((r) => r.chunk),
        rows.map((r) => r.vector),
      ),
    ],
  );
  return r.rowCount;
}
