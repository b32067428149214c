// The seed specification's hybrid_search, kept verbatim as the baseline of `npm run eval` (never
// in the product). Three edits only, each forced: the seed ranks whole documents that carry their
// own embedding, so it runs on a `seed_documents` table built for the eval with one embedding per
// document; its vector(1536) argument takes the configured dimension; and its `fts_score` column
// is cast to float, because ts_rank returns real and Postgres rejects the seed's function as
// written ("structure of query does not match function result type").
import type { Database } from '../src/core/db/types.js';
import { toVector } from '../src/core/db/vector.js';

const SEED_HYBRID_SEARCH = `
CREATE OR REPLACE FUNCTION seed_hybrid_search(
    query_text text,
    query_embedding vector,
    vector_weight float DEFAULT 0.7,
    fts_weight float DEFAULT 0.3,
    match_count int DEFAULT 10
)
RETURNS TABLE (
    id uuid,
    title text,
    content text,
    category varchar(100),
    combined_score float,
    vector_score float,
    fts_score float
)
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN QUERY
    WITH vector_results AS (
        SELECT
            d.id,
            d.title,
            d.content,
            d.category,
            1 - (d.embedding <=> query_embedding) AS score
        FROM seed_documents d
        ORDER BY d.embedding <=> query_embedding
        LIMIT match_count * 2
    ),
    fts_results AS (
        SELECT
            d.id,
            ts_rank(
                to_tsvector('english', d.content),
                plainto_tsquery('english', query_text)
            ) AS score
        FROM seed_documents d
        WHERE to_tsvector('english', d.content) @@ plainto_tsquery('english', query_text)
    )
    SELECT
        vr.id,
        vr.title,
        vr.content,
        vr.category,
        (vr.score * vector_weight + COALESCE(fr.score * fts_weight, 0)) AS combined_score,
        vr.score AS vector_score,
        COALESCE(fr.score, 0)::float AS fts_score
    FROM vector_results vr
    LEFT JOIN fts_results fr ON vr.id = fr.id
    ORDER BY combined_score DESC
    LIMIT match_count;
END;
$$;`;

/** Builds seed_documents (one vector per document: the mean of its chunks' vectors) and the seed function. */
export async function installSeedBaseline(db: Database): Promise<void> {
  await db.exec(`
    CREATE TABLE seed_documents (id uuid PRIMARY KEY, title text, content text, category varchar(100), embedding vector);
    INSERT INTO seed_documents
      SELECT d.id, d.title, d.content, d.category, avg(c.embedding)
      FROM documents d JOIN chunks c ON c.document_id = d.id GROUP BY d.id;
    ${SEED_HYBRID_SEARCH}`);
}

export async function seedSearch(db: Database, query: string, embedding: number[], k: number): Promise<string[]> {
  const r = await db.query<{ file_id: string }>(
    `SELECT d.file_id FROM seed_hybrid_search($1, $2::vector, 0.7, 0.3, $3) s JOIN documents d ON d.id = s.id ORDER BY s.combined_score DESC`,
    [query, toVector(embedding), k],
  );
  return r.rows.map((x) => x.file_id);
}
