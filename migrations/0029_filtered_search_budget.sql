-- A narrow access scope costs a bounded amount: the filtered dense leg reads at most three times
-- the index tuples the unfiltered one does, and the filtered lexical leg sorts in memory.
--
-- With a narrow access scope (or a category, type or date filter) HNSW's iterative scan visits
-- index tuples in distance order until match_count of them pass, so an asker who may open a tenth
-- of the corpus made it read ten times as many, and the last few rows cost most: bench:search at
-- 100k chunks on PostgreSQL, 10% visible, 144 rows: 9x the unfiltered leg's time; with the scan
-- capped (pgvector's hnsw.max_scan_tuples) at 3 x ef_search: 1.4x, 51 rows, and recall@10 against an
-- exact filtered scan unchanged (0.997). The rows the cap drops are the far tail of a leg weighted
-- SEARCH_DENSE_WEIGHT (0.06) in the fusion, and every lexical candidate is still checked, so a
-- narrow scope loses no lexical match. Unfiltered queries are untouched (no iterative scan).
--
-- The filtered lexical leg sorts every matching chunk (it cannot know how far down the ranking the
-- k-th visible one lies), and for a question with a common word that is tens of thousands of rows:
-- 54k at 100k chunks, which spilled to disk under the default work_mem of 4 MB ("external merge").
-- lexical_search now raises work_mem for its own transaction, so the sort stays in memory (p95 of
-- the filtered leg 0.86-0.88x in an A/B run at 10% and 100% visible; same rows, ties aside). The unfiltered path takes only the
-- top k and never spilled.
--
-- dense_search and lexical_search are 0015's with only the set_config calls added; signatures unchanged.

CREATE OR REPLACE FUNCTION lexical_search(
  query_text text,
  match_count integer DEFAULT 100,
  filter_category text[] DEFAULT NULL,
  filter_doc_type text[] DEFAULT NULL,
  modified_after timestamptz DEFAULT NULL,
  modified_before timestamptz DEFAULT NULL,
  access_scope text[] DEFAULT NULL
)
RETURNS TABLE (chunk_id uuid, score double precision, coverage double precision)
-- VOLATILE now: it sets work_mem (as dense_search, already VOLATILE, sets the hnsw settings).
LANGUAGE plpgsql VOLATILE ROWS 100 AS $$
DECLARE
  words text;
  must tsquery;
  doc_filtered boolean := filter_category IS NOT NULL OR filter_doc_type IS NOT NULL OR modified_after IS NOT NULL OR modified_before IS NOT NULL;
  operator boolean;
  readers integer;
BEGIN
  PERFORM access_scope_check(access_scope);
  PERFORM set_config('work_mem', '32MB', true);
  operator := access_scope = '{{*}}'::text[];
  readers := array_length(access_scope, 1);
  must := search_query_must(query_text);
  words := search_query_words(query_text);

  RETURN QUERY
  WITH s AS (
    SELECT greatest(ls.chunks, 1)::float8 AS n, greatest(ls.total_len::float8 / greatest(ls.chunks, 1), 1) AS avgdl FROM lexical_stats ls
  ), q AS (
    -- a word said n times in the question: to_tsvector keeps one lexeme with n positions
    SELECT l.lexeme AS term, coalesce(array_length(l.positions, 1), 1)::float8 AS qtf FROM unnest(to_tsvector('english', words)) AS l
  ), qt AS (
    SELECT q.term, ln(1 + (s.n - t.df + 0.5) / (t.df + 0.5)) AS idf, q.qtf AS qw
    FROM q JOIN term_stats t ON t.term = q.term CROSS JOIN s
  ), total AS (
    SELECT coalesce((SELECT sum(qt.idf) FROM qt), 0)
           + ((SELECT count(*) FROM q) - (SELECT count(*) FROM qt)) * (SELECT ln(1 + (s.n + 0.5) / 0.5) FROM s) AS idf
  ), scored AS (
    SELECT p.chunk_id,
           sum(qt.qw * qt.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / s.avgdl))) AS score,
           sum(qt.idf) AS matched
    FROM qt JOIN chunk_terms p ON p.term = qt.term CROSS JOIN s
    GROUP BY p.chunk_id
  ), ranked AS (
    SELECT sc.chunk_id, sc.score, sc.matched FROM scored sc
    ORDER BY sc.score DESC
    LIMIT CASE WHEN operator AND must IS NULL AND NOT doc_filtered THEN match_count END
    OFFSET 0
  )
  SELECT rk.chunk_id, rk.score, CASE WHEN total.idf > 0 THEN least(rk.matched / total.idf, 1) ELSE 0 END
  FROM ranked rk CROSS JOIN total
  WHERE (operator AND must IS NULL AND NOT doc_filtered)
     OR EXISTS (
       SELECT 1 FROM chunks c
       WHERE c.id = rk.chunk_id
         AND (must IS NULL OR c.fts @@ must)
         AND (operator OR (readers = 1 AND EXISTS (
             SELECT 1 FROM document_access a WHERE a.document_id = c.document_id AND a.principal = ANY (access_scope)))
         OR (readers > 1 AND NOT EXISTS (
             SELECT 1 FROM generate_subscripts(access_scope, 1) AS r
             WHERE NOT EXISTS (SELECT 1 FROM document_access a WHERE a.document_id = c.document_id AND a.principal = ANY (access_scope[r:r])))))
         AND (NOT doc_filtered OR EXISTS (
           SELECT 1 FROM documents d WHERE d.id = c.document_id
             AND (filter_category IS NULL OR d.category = ANY (filter_category))
             AND (filter_doc_type IS NULL OR d.doc_type = ANY (filter_doc_type))
             AND (modified_after IS NULL OR coalesce(d.modified_at, d.updated_at) >= modified_after)
             AND (modified_before IS NULL OR coalesce(d.modified_at, d.updated_at) <= modified_before))))
  LIMIT match_count;
END;
$$;

CREATE OR REPLACE FUNCTION dense_search(
  query_embedding vector,
  match_count integer DEFAULT 100,
  filter_category text[] DEFAULT NULL,
  filter_doc_type text[] DEFAULT NULL,
  modified_after timestamptz DEFAULT NULL,
  modified_before timestamptz DEFAULT NULL,
  ef_search integer DEFAULT 100,
  access_scope text[] DEFAULT NULL
)
RETURNS TABLE (chunk_id uuid, similarity double precision)
LANGUAGE plpgsql VOLATILE ROWS 100 AS $$
DECLARE
  readers integer := array_length(access_scope, 1);
BEGIN
  PERFORM access_scope_check(access_scope);
  PERFORM set_config('hnsw.ef_search', least(greatest(ef_search, match_count), 1000)::text, true);
  PERFORM set_config('hnsw.iterative_scan', 'strict_order', true);
  IF access_scope = '{{*}}'::text[] AND filter_category IS NULL AND filter_doc_type IS NULL AND modified_after IS NULL AND modified_before IS NULL THEN
    RETURN QUERY
    SELECT c.id, 1 - (c.embedding <=> query_embedding)
    FROM chunks c WHERE c.embedding IS NOT NULL
    ORDER BY c.embedding <=> query_embedding
    LIMIT match_count;
  ELSE
    -- Filtered: cap the iterative scan at three times what the unfiltered scan reads (see above).
    PERFORM set_config('hnsw.max_scan_tuples', (3 * least(greatest(ef_search, match_count), 1000))::text, true);
    RETURN QUERY
    SELECT c.id, 1 - (c.embedding <=> query_embedding)
    FROM chunks c
    WHERE c.embedding IS NOT NULL
      AND (access_scope = '{{*}}'::text[] OR (readers = 1 AND EXISTS (
             SELECT 1 FROM document_access a WHERE a.document_id = c.document_id AND a.principal = ANY (access_scope)))
         OR (readers > 1 AND NOT EXISTS (
             SELECT 1 FROM generate_subscripts(access_scope, 1) AS r
             WHERE NOT EXISTS (SELECT 1 FROM document_access a WHERE a.document_id = c.document_id AND a.principal = ANY (access_scope[r:r])))))
      AND (filter_category IS NULL AND filter_doc_type IS NULL AND modified_after IS NULL AND modified_before IS NULL
           OR EXISTS (
             SELECT 1 FROM documents d WHERE d.id = c.document_id
               AND (filter_category IS NULL OR d.category = ANY (filter_category))
               AND (filter_doc_type IS NULL OR d.doc_type = ANY (filter_doc_type))
               AND (modified_after IS NULL OR coalesce(d.modified_at, d.updated_at) >= modified_after)
               AND (modified_before IS NULL OR coalesce(d.modified_at, d.updated_at) <= modified_before)))
    ORDER BY c.embedding <=> query_embedding
    LIMIT match_count;
  END IF;
END;
$$;
