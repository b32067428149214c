-- A narrow access scope costs a bounded amount: the filtered dense leg reads at most three times
-- the index tuples the unfiltered one does.
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
-- The filtered lexical leg's sort is kept in memory by migration 0030, which redefines lexical_search.
--
-- dense_search is 0015's with only the set_config added; its signature is unchanged.

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
