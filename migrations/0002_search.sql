-- Retrieval: a BM25 lexical leg kept in plain tables (runs on stock Postgres + pgvector, on
-- Supabase and on PGlite), a tuned HNSW dense leg, and fusion over the union of both legs.
--
-- Why not ts_rank: it has no notion of term rarity across the corpus, and scores far below BM25
-- on every public benchmark (BEIR FiQA 0.092 vs 0.238). BM25 needs per-term document frequency
-- and per-chunk length; both are maintained here by statement-level triggers on `chunks`, from
-- the same `english` lexemes as the generated `fts` column.

-- One row per (lexeme, chunk). `len` (the chunk's length in lexemes) is copied into every
-- posting so that scoring a term is one index-only range scan with no join.
CREATE TABLE chunk_terms (
  term     text    NOT NULL,
  chunk_id uuid    NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
  tf       integer NOT NULL,
  len      integer NOT NULL,
  PRIMARY KEY (term, chunk_id) INCLUDE (tf, len)
);
CREATE INDEX idx_chunk_terms_chunk ON chunk_terms (chunk_id);

CREATE TABLE term_stats (
  term text PRIMARY KEY,
  df   integer NOT NULL
);

CREATE TABLE lexical_stats (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  chunks    bigint NOT NULL DEFAULT 0,
  total_len bigint NOT NULL DEFAULT 0
);
INSERT INTO lexical_stats DEFAULT VALUES;

-- Adds (sign = 1) or removes (sign = -1) a set of chunks from the statistics. Terms are
-- upserted in sorted order so that concurrent writers queue instead of deadlocking.
CREATE FUNCTION lexical_apply(p_ids uuid[], p_fts tsvector[], p_sign integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_sign > 0 THEN
    INSERT INTO chunk_terms (term, chunk_id, tf, len)
    SELECT l.lexeme, r.id, coalesce(array_length(l.positions, 1), 1),
           sum(coalesce(array_length(l.positions, 1), 1)) OVER (PARTITION BY r.id)
    FROM unnest(p_ids, p_fts) AS r(id, fts), unnest(r.fts) AS l;
  END IF;
  -- Deleted chunks' postings go with them (ON DELETE CASCADE).

  INSERT INTO term_stats AS ts (term, df)
  SELECT l.lexeme, p_sign * count(*)
  FROM unnest(p_fts) AS r(fts), unnest(r.fts) AS l
  GROUP BY l.lexeme
  ORDER BY l.lexeme
  ON CONFLICT (term) DO UPDATE SET df = ts.df + excluded.df;
  IF p_sign < 0 THEN
    DELETE FROM term_stats WHERE df <= 0;
  END IF;

  UPDATE lexical_stats SET
    chunks = chunks + p_sign * coalesce(array_length(p_ids, 1), 0),
    total_len = total_len + p_sign * coalesce((
      SELECT sum(coalesce(array_length(l.positions, 1), 1)) FROM unnest(p_fts) AS r(fts), unnest(r.fts) AS l), 0);
END;
$$;

CREATE FUNCTION chunks_lexical_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lexical_apply(array_agg(id), array_agg(fts), 1) FROM new_chunks HAVING count(*) > 0;
  RETURN NULL;
END;
$$;

CREATE FUNCTION chunks_lexical_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lexical_apply(array_agg(id), array_agg(fts), -1) FROM old_chunks HAVING count(*) > 0;
  RETURN NULL;
END;
$$;

-- Re-embedding updates chunks without touching their text: only rows whose lexemes changed count.
CREATE FUNCTION chunks_lexical_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  SELECT array_agg(n.id) INTO ids FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE o.fts IS DISTINCT FROM n.fts;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM chunk_terms WHERE chunk_id = ANY (ids);
  PERFORM lexical_apply(array_agg(id), array_agg(fts), -1) FROM old_chunks WHERE id = ANY (ids);
  PERFORM lexical_apply(array_agg(id), array_agg(fts), 1) FROM new_chunks WHERE id = ANY (ids);
  RETURN NULL;
END;
$$;

CREATE TRIGGER chunks_lexical_insert AFTER INSERT ON chunks
  REFERENCING NEW TABLE AS new_chunks FOR EACH STATEMENT EXECUTE FUNCTION chunks_lexical_insert();
CREATE TRIGGER chunks_lexical_delete AFTER DELETE ON chunks
  REFERENCING OLD TABLE AS old_chunks FOR EACH STATEMENT EXECUTE FUNCTION chunks_lexical_delete();
CREATE TRIGGER chunks_lexical_update AFTER UPDATE ON chunks
  REFERENCING OLD TABLE AS old_chunks NEW TABLE AS new_chunks FOR EACH STATEMENT EXECUTE FUNCTION chunks_lexical_update();

-- Chunks written before this migration.
SELECT lexical_apply(array_agg(id), array_agg(fts), 1) FROM chunks HAVING count(*) > 0;

-- The lexical leg. Query parsing follows websearch_to_tsquery's syntax, but words are OR-ed
-- and ranked (an AND of every word of a question finds almost nothing): "quoted phrases" must
-- appear, -word excludes, every other word scores by BM25 (k1 1.2, b 0.75).
-- `coverage` is the share of the query's IDF mass the chunk matches: a corpus-independent
-- signal of how well the chunk covers the question (used for answer confidence).
CREATE FUNCTION lexical_search(
  query_text text,
  match_count integer DEFAULT 100,
  filter_category text[] DEFAULT NULL,
  filter_doc_type text[] DEFAULT NULL,
  modified_after timestamptz DEFAULT NULL,
  modified_before timestamptz DEFAULT NULL
)
RETURNS TABLE (chunk_id uuid, score double precision, coverage double precision)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  words text := coalesce(query_text, '');
  must tsquery;
  ph text;
  filtered boolean := filter_category IS NOT NULL OR filter_doc_type IS NOT NULL OR modified_after IS NOT NULL OR modified_before IS NOT NULL;
BEGIN
  FOR ph IN SELECT m[1] FROM regexp_matches(words, '"([^"]+)"', 'g') AS m LOOP
    IF numnode(phraseto_tsquery('english', ph)) > 0 THEN
      must := CASE WHEN must IS NULL THEN phraseto_tsquery('english', ph) ELSE must && phraseto_tsquery('english', ph) END;
    END IF;
  END LOOP;
  FOR ph IN SELECT m[1] FROM regexp_matches(words, '(?:^|\s)-([[:alnum:]][^\s"]*)', 'g') AS m LOOP
    IF numnode(plainto_tsquery('english', ph)) > 0 THEN
      must := CASE WHEN must IS NULL THEN !! plainto_tsquery('english', ph) ELSE must && !! plainto_tsquery('english', ph) END;
    END IF;
  END LOOP;
  words := regexp_replace(words, '(^|\s)-[[:alnum:]][^\s"]*', ' ', 'g');

  RETURN QUERY
  WITH s AS (
    SELECT greatest(ls.chunks, 1)::float8 AS n, greatest(ls.total_len::float8 / greatest(ls.chunks, 1), 1) AS avgdl FROM lexical_stats ls
  ), q AS (
    SELECT DISTINCT l.lexeme AS term FROM unnest(to_tsvector('english', words)) AS l
  ), qt AS (
    SELECT q.term, ln(1 + (s.n - t.df + 0.5) / (t.df + 0.5)) AS idf
    FROM q JOIN term_stats t ON t.term = q.term CROSS JOIN s
  ), total AS (
    -- query words the corpus has never seen still count against coverage, at the rarest IDF
    SELECT coalesce((SELECT sum(qt.idf) FROM qt), 0)
           + ((SELECT count(*) FROM q) - (SELECT count(*) FROM qt)) * (SELECT ln(1 + (s.n + 0.5) / 0.5) FROM s) AS idf
  ), scored AS (
    SELECT p.chunk_id,
           sum(qt.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / s.avgdl))) AS score,
           sum(qt.idf) AS matched
    FROM qt JOIN chunk_terms p ON p.term = qt.term CROSS JOIN s
    GROUP BY p.chunk_id
  )
  SELECT sc.chunk_id, sc.score, CASE WHEN total.idf > 0 THEN least(sc.matched / total.idf, 1) ELSE 0 END
  FROM scored sc CROSS JOIN total
  WHERE (must IS NULL AND NOT filtered)
     OR EXISTS (
       SELECT 1 FROM chunks c JOIN documents d ON d.id = c.document_id
       WHERE c.id = sc.chunk_id
         AND (must IS NULL OR c.fts @@ must)
         AND (filter_category IS NULL OR d.category = ANY (filter_category))
         AND (filter_doc_type IS NULL OR d.doc_type = ANY (filter_doc_type))
         AND (modified_after IS NULL OR coalesce(d.modified_at, d.updated_at) >= modified_after)
         AND (modified_before IS NULL OR coalesce(d.modified_at, d.updated_at) <= modified_before))
  ORDER BY sc.score DESC
  LIMIT match_count;
END;
$$;

-- The dense leg: HNSW cosine. ef_search trades speed for recall; iterative scan keeps a
-- filtered query returning k rows instead of the few that survive the filter in the first
-- ef_search candidates (pgvector >= 0.8).
CREATE FUNCTION dense_search(
  query_embedding vector,
  match_count integer DEFAULT 100,
  filter_category text[] DEFAULT NULL,
  filter_doc_type text[] DEFAULT NULL,
  modified_after timestamptz DEFAULT NULL,
  modified_before timestamptz DEFAULT NULL,
  ef_search integer DEFAULT 100
)
RETURNS TABLE (chunk_id uuid, similarity double precision)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  -- pgvector caps ef_search at 1000; the iterative scan fetches beyond it when LIMIT asks for more.
  PERFORM set_config('hnsw.ef_search', least(greatest(ef_search, match_count), 1000)::text, true);
  PERFORM set_config('hnsw.iterative_scan', 'strict_order', true);
  IF filter_category IS NULL AND filter_doc_type IS NULL AND modified_after IS NULL AND modified_before IS NULL THEN
    RETURN QUERY
    SELECT c.id, 1 - (c.embedding <=> query_embedding)
    FROM chunks c WHERE c.embedding IS NOT NULL
    ORDER BY c.embedding <=> query_embedding
    LIMIT match_count;
  ELSE
    RETURN QUERY
    SELECT c.id, 1 - (c.embedding <=> query_embedding)
    FROM chunks c JOIN documents d ON d.id = c.document_id
    WHERE c.embedding IS NOT NULL
      AND (filter_category IS NULL OR d.category = ANY (filter_category))
      AND (filter_doc_type IS NULL OR d.doc_type = ANY (filter_doc_type))
      AND (modified_after IS NULL OR coalesce(d.modified_at, d.updated_at) >= modified_after)
      AND (modified_before IS NULL OR coalesce(d.modified_at, d.updated_at) <= modified_before)
    ORDER BY c.embedding <=> query_embedding
    LIMIT match_count;
  END IF;
END;
$$;

-- Fusion over the UNION of both legs' candidates (a chunk only one leg found still competes).
--   'weighted': each leg's scores scaled to [0, 1] by its best score (cosine similarity is
--               min-max scaled over its candidates), then dense_weight·dense + (1-dense_weight)·lexical.
--   'rrf':      dense_weight/(rrf_k + dense rank) + (1-dense_weight)/(rrf_k + lexical rank), scaled to [0, 1].
-- mode 'dense' / 'lexical' run one leg alone (the eval harness compares them).
CREATE FUNCTION search_chunks(
  query_text text,
  query_embedding vector,
  match_count integer DEFAULT 20,
  mode text DEFAULT 'hybrid',
  fusion text DEFAULT 'weighted',
  dense_weight double precision DEFAULT 0.3,
  rrf_k integer DEFAULT 60,
  candidates integer DEFAULT 100,
  ef_search integer DEFAULT 100,
  filter_category text[] DEFAULT NULL,
  filter_doc_type text[] DEFAULT NULL,
  modified_after timestamptz DEFAULT NULL,
  modified_before timestamptz DEFAULT NULL
)
RETURNS TABLE (
  chunk_id uuid, document_id uuid, score double precision,
  dense_rank integer, dense_score double precision,
  lexical_rank integer, lexical_score double precision, coverage double precision
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF mode NOT IN ('hybrid', 'dense', 'lexical') THEN
    RAISE EXCEPTION 'search mode must be hybrid, dense or lexical, not %', mode;
  END IF;
  IF fusion NOT IN ('weighted', 'rrf') THEN
    RAISE EXCEPTION 'fusion must be weighted or rrf, not %', fusion;
  END IF;
  RETURN QUERY
  WITH dn AS (
    SELECT ds.chunk_id, ds.similarity, row_number() OVER (ORDER BY ds.similarity DESC)::int AS rnk
    FROM dense_search(query_embedding, candidates, filter_category, filter_doc_type, modified_after, modified_before, ef_search) ds
    WHERE mode <> 'lexical' AND query_embedding IS NOT NULL
  ), lx AS (
    SELECT ls.chunk_id, ls.score, ls.coverage, row_number() OVER (ORDER BY ls.score DESC)::int AS rnk
    FROM lexical_search(query_text, candidates, filter_category, filter_doc_type, modified_after, modified_before) ls
    WHERE mode <> 'dense'
  ), bounds AS (
    SELECT (SELECT max(similarity) FROM dn) AS dmax, (SELECT min(similarity) FROM dn) AS dmin, (SELECT max(lx.score) FROM lx) AS lmax
  ), u AS (
    SELECT coalesce(dn.chunk_id, lx.chunk_id) AS id, dn.rnk AS drank, dn.similarity AS dsim, lx.rnk AS lrank, lx.score AS lscore, lx.coverage AS cov,
      CASE
        WHEN mode = 'dense' THEN dn.similarity
        WHEN mode = 'lexical' THEN lx.score / nullif(b.lmax, 0)
        WHEN fusion = 'rrf' THEN
          (coalesce(dense_weight / (rrf_k + dn.rnk), 0) + coalesce((1 - dense_weight) / (rrf_k + lx.rnk), 0))
          / (CASE WHEN EXISTS (SELECT 1 FROM dn) THEN dense_weight ELSE 0 END
             + CASE WHEN EXISTS (SELECT 1 FROM lx) THEN 1 - dense_weight ELSE 0 END + 1e-12) * (rrf_k + 1)
        ELSE
          (dense_weight * coalesce(CASE WHEN b.dmax > b.dmin THEN (dn.similarity - b.dmin) / (b.dmax - b.dmin) ELSE 1 END, 0)
           + (1 - dense_weight) * coalesce(lx.score / nullif(b.lmax, 0), 0))
          / (CASE WHEN EXISTS (SELECT 1 FROM dn) THEN dense_weight ELSE 0 END
             + CASE WHEN EXISTS (SELECT 1 FROM lx) THEN 1 - dense_weight ELSE 0 END + 1e-12)
      END AS fused
    FROM dn FULL JOIN lx ON lx.chunk_id = dn.chunk_id CROSS JOIN bounds b
  )
  SELECT u.id, c.document_id, least(greatest(u.fused, 0), 1), u.drank, u.dsim, u.lrank, u.lscore, coalesce(u.cov, 0)
  FROM u JOIN chunks c ON c.id = u.id
  WHERE u.fused IS NOT NULL
  ORDER BY u.fused DESC, u.id
  LIMIT match_count;
END;
$$;

-- The seed's RPC functions keep their signatures (clients call them by name) and now delegate
-- to search_chunks. Argument typmods such as vector(1536) are not enforced by Postgres, so they
-- accept the configured embedder's dimension.
DROP FUNCTION search_documents(vector, double precision, integer, text);
CREATE FUNCTION search_documents(
  query_embedding vector(1536),
  match_threshold float DEFAULT 0.7,
  match_count int DEFAULT 10,
  filter_category text DEFAULT NULL
)
RETURNS TABLE (id uuid, title text, content text, category varchar(100), similarity float, metadata jsonb)
LANGUAGE sql VOLATILE AS $$
  SELECT d.id, d.title, best.content, d.category, best.score, d.metadata
  FROM (
    SELECT DISTINCT ON (s.document_id) s.document_id, c.content, s.dense_score AS score
    FROM search_chunks(NULL, query_embedding, match_count * 5, 'dense', 'weighted', 1, 60, greatest(match_count * 5, 100), 100,
                       CASE WHEN filter_category IS NULL THEN NULL ELSE ARRAY[filter_category] END) s
    JOIN chunks c ON c.id = s.chunk_id
    ORDER BY s.document_id, s.dense_score DESC
  ) best
  JOIN documents d ON d.id = best.document_id
  WHERE best.score > match_threshold
  ORDER BY best.score DESC
  LIMIT match_count;
$$;

DROP FUNCTION hybrid_search(text, vector, double precision, double precision, integer);
CREATE FUNCTION hybrid_search(
  query_text text,
  query_embedding vector(1536),
  vector_weight float DEFAULT 0.7,
  fts_weight float DEFAULT 0.3,
  match_count int DEFAULT 10
)
RETURNS TABLE (id uuid, title text, content text, category varchar(100), combined_score float, vector_score float, fts_score float)
LANGUAGE sql VOLATILE AS $$
  SELECT d.id, d.title, best.content, d.category, best.score, best.dense, best.lexical
  FROM (
    SELECT DISTINCT ON (s.document_id) s.document_id, c.content, s.score, coalesce(s.dense_score, 0) AS dense, coalesce(s.lexical_score, 0) AS lexical
    FROM search_chunks(query_text, query_embedding, match_count * 5, 'hybrid', 'weighted',
                       vector_weight / nullif(vector_weight + fts_weight, 0), 60, greatest(match_count * 5, 100), 100) s
    JOIN chunks c ON c.id = s.chunk_id
    ORDER BY s.document_id, s.score DESC
  ) best
  JOIN documents d ON d.id = best.document_id
  ORDER BY best.score DESC
  LIMIT match_count;
$$;
