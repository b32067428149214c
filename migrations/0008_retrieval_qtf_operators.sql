-- Retrieval quality (issue 16) and query operators on the fused result (issue 12).
-- Built on 0005's definitions (the access scope stays in both legs, unchanged).
--
-- 1. Query-term frequency. Standard BM25 (Xapian, Lucene, Terrier) weighs a word said twice in the
--    question more than a word said once; 0002 counted each distinct query lexeme once, which costs
--    most on long, paragraph-length questions, where the words that matter are the ones repeated.
--    Measured with `npm run eval` (see README, Retrieval quality): counting a repeated word as often as it is
--    said (Lucene's behaviour) did best of none / Xapian's k3 = 1 / k3 = 8 / linear on the long-query
--    sets (lexical nDCG@10 on the Cranfield-derived one: 0.306 → 0.327 → 0.342 → see README) and
--    left short queries, which rarely repeat a word, as they were.
-- 2. "quoted phrases" and -exclusions were applied inside the lexical leg only, so a chunk the
--    vector leg alone found ignored them. They are now parsed once (search_query_must) and applied
--    to the fused result as well. The dense leg still fetches its candidates unfiltered; the ones
--    that fail the operators are dropped after fusion.

-- The operators of a query: every "quoted phrase" must appear, no -word may. NULL when none.
CREATE FUNCTION search_query_must(query_text text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  words text := coalesce(query_text, '');
  must tsquery;
  ph text;
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
  RETURN must;
END;
$$;

-- The words that are ranked: the query without its -exclusions (phrase words rank too).
CREATE FUNCTION search_query_words(query_text text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(coalesce(query_text, ''), '(^|\s)-[[:alnum:]][^\s"]*', ' ', 'g');
$$;

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
LANGUAGE plpgsql STABLE ROWS 100 AS $$
DECLARE
  words text;
  must tsquery;
  doc_filtered boolean := filter_category IS NOT NULL OR filter_doc_type IS NOT NULL OR modified_after IS NOT NULL OR modified_before IS NOT NULL;
  operator boolean;
BEGIN
  PERFORM access_scope_check(access_scope);
  operator := access_scope = '{{*}}'::text[];
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
         AND (operator OR access_permits(c.document_id, access_scope))
         AND (NOT doc_filtered OR EXISTS (
           SELECT 1 FROM documents d WHERE d.id = c.document_id
             AND (filter_category IS NULL OR d.category = ANY (filter_category))
             AND (filter_doc_type IS NULL OR d.doc_type = ANY (filter_doc_type))
             AND (modified_after IS NULL OR coalesce(d.modified_at, d.updated_at) >= modified_after)
             AND (modified_before IS NULL OR coalesce(d.modified_at, d.updated_at) <= modified_before))))
  LIMIT match_count;
END;
$$;

CREATE OR REPLACE FUNCTION search_chunks(
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
  modified_before timestamptz DEFAULT NULL,
  access_scope text[] DEFAULT NULL
)
RETURNS TABLE (
  chunk_id uuid, document_id uuid, score double precision,
  dense_rank integer, dense_score double precision,
  lexical_rank integer, lexical_score double precision, coverage double precision
)
LANGUAGE plpgsql VOLATILE ROWS 50 AS $$
DECLARE
  must tsquery := search_query_must(query_text);
BEGIN
  IF mode NOT IN ('hybrid', 'dense', 'lexical') THEN
    RAISE EXCEPTION 'search mode must be hybrid, dense or lexical, not %', mode;
  END IF;
  IF fusion NOT IN ('weighted', 'rrf') THEN
    RAISE EXCEPTION 'fusion must be weighted or rrf, not %', fusion;
  END IF;
  PERFORM access_scope_check(access_scope);
  RETURN QUERY
  WITH dn AS (
    SELECT ds.chunk_id, ds.similarity, row_number() OVER (ORDER BY ds.similarity DESC)::int AS rnk
    FROM dense_search(query_embedding, candidates, filter_category, filter_doc_type, modified_after, modified_before, ef_search, access_scope) ds
    WHERE mode <> 'lexical' AND query_embedding IS NOT NULL
  ), lx AS (
    SELECT ls.chunk_id, ls.score, ls.coverage, row_number() OVER (ORDER BY ls.score DESC)::int AS rnk
    FROM lexical_search(query_text, candidates, filter_category, filter_doc_type, modified_after, modified_before, access_scope) ls
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
    AND (must IS NULL OR c.fts @@ must)
  ORDER BY u.fused DESC, u.id
  LIMIT match_count;
END;
$$;
