-- The lexical leg at 100k chunks (issue 16, Speed and scale). lexical_search is 0015's (access
-- predicate inline, query-term frequency, search_query_must), reading 0028's posting blocks, with
-- the same scores (the same per-posting BM25 terms, summed in another order) and five changes:
--
-- 0. work_mem is raised for the transaction. The filtered path sorts every matching chunk (it
--    cannot know how far down the ranking the k-th visible one lies); for a common word at 100k
--    chunks that is 54k rows, which spilled to disk under the default 4 MB ("external merge"): the
--    filtered leg's p95 went to 0.86-0.88x in an A/B run at 10% and 100% visible. The unfiltered
--    path takes only the top k and never spilled.
--
-- 1. Constants are float8. 0015 wrote `0.75 * p.len`: integer times a numeric literal is numeric
--    arithmetic, once per posting, then a cast (10k chunks: summing 11k postings took 11.2 ms,
--    4.8 ms with float8 constants). 0.75 * len is exact in both types: no score changes by a bit.
-- 2. Postings are read with unnest() in the select list (one ProjectSet stepping the three arrays
--    together) rather than through the chunk_terms view, whose unnest(a, b, c) in FROM
--    materialises each array separately (100k chunks: 44k postings read in 9.5 ms against 20.8).
-- 3. One query word: its postings are already one per chunk, so the top match_count is a top-N
--    sort of them, with no aggregate at all.
-- 4. Several words, when the leg returns the plain top match_count (operator scope, no "phrase" /
--    -word operator, no document filter; the other cases rank every match and check them in order,
--    as before): MaxScore pruning (Turtle & Flood 1995). A word's share of any score is below its
--    bound qw * idf * (k1 + 1) = qw * idf * 2.2. theta, a lower bound on the match_count-th best
--    score, is the match_count-th best over the top match_count postings of the rarest words alone
--    (real chunks whose full scores are at least that). The commonest words whose bounds sum below
--    theta are non-essential: a chunk that has only those scores below theta. So only chunks with
--    an essential word are summed; theta is raised to the match_count-th best of those partial
--    sums, and a chunk whose partial sum plus the non-essential bounds stays below it is dropped.
--    The survivors get the non-essential words' shares from their own tsvector (one index probe
--    each) when they are few, else from those words' postings (read, not aggregated).
-- Ties at the match_count-th score may keep a different one of the tied chunks, as 0015's sort
-- could. test/core/search/lexical-pruning.test.ts compares it with 0015's function.
-- It stays STABLE although it sets work_mem: a STABLE function's statements all read the calling
-- query's snapshot, and the bounds one statement computes must hold for the next (a VOLATILE one
-- takes a new snapshot per statement, so a concurrent write could fall between). Setting work_mem
-- for the transaction changes nothing it reads.

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
  readers integer;
  n float8;
  avgdl float8;
  -- the query's terms that occur in the corpus, highest score bound first
  terms text[];
  idfs float8[];
  qws float8[];
  bounds float8[];
  dfs bigint[];
  total_idf float8;
  nterms integer;
  nrare integer := 1;
  theta float8;
  ness integer;
  ne_bound float8 := 0;
  ne_df bigint := 0;
  -- the survivors: chunks with an essential word that may still reach the top match_count
  sv_ids uuid[];
  sv_s float8[];
  sv_m float8[];
  sv_len integer[];
BEGIN
  PERFORM access_scope_check(access_scope);
  -- change 0: the filtered path sorts every match, in memory
  PERFORM set_config('work_mem', '32MB', true);
  operator := access_scope = '{{*}}'::text[];
  readers := array_length(access_scope, 1);
  must := search_query_must(query_text);
  words := search_query_words(query_text);

  SELECT greatest(ls.chunks, 1)::float8, greatest(ls.total_len::float8 / greatest(ls.chunks, 1), 1) INTO n, avgdl FROM lexical_stats ls;
  SELECT array_agg(x.term ORDER BY x.b DESC, x.term), array_agg(x.idf ORDER BY x.b DESC, x.term), array_agg(x.qw ORDER BY x.b DESC, x.term),
         array_agg(x.b ORDER BY x.b DESC, x.term), array_agg(x.df ORDER BY x.b DESC, x.term), coalesce(sum(x.idf), 0)
  INTO terms, idfs, qws, bounds, dfs, total_idf
  FROM (
    SELECT y.*, y.qw * y.idf * 2.2 AS b FROM (
      SELECT q.term, ln(1 + (n - t.df + 0.5) / (t.df + 0.5)) AS idf, q.qtf AS qw, t.df
      FROM (SELECT l.lexeme AS term, coalesce(array_length(l.positions, 1), 1)::float8 AS qtf FROM unnest(to_tsvector('english', words)) AS l) q
      JOIN term_stats t ON t.term = q.term) y
  ) x;
  IF terms IS NULL THEN
    RETURN;
  END IF;
  nterms := cardinality(terms);
  total_idf := total_idf + (length(to_tsvector('english', words)) - nterms) * ln(1 + (n + 0.5) / 0.5);

  IF NOT (operator AND must IS NULL AND NOT doc_filtered) THEN
    RETURN QUERY
    WITH scored AS (
      SELECT p.chunk_id,
             sum(qt.qw * qt.idf * p.tf * 2.2::float8 / (p.tf + 1.2::float8 * (0.25::float8 + 0.75::float8 * p.len / avgdl))) AS score,
             sum(qt.idf) AS matched
      FROM unnest(terms, idfs, qws) AS qt(term, idf, qw) CROSS JOIN LATERAL (SELECT unnest(b.chunk_ids) AS chunk_id, unnest(b.tfs) AS tf, unnest(b.lens) AS len FROM term_blocks b WHERE b.term = qt.term) p
      GROUP BY p.chunk_id
    ), ranked AS (
      SELECT sc.chunk_id, sc.score, sc.matched FROM scored sc
      ORDER BY sc.score DESC
      OFFSET 0
    )
    SELECT rk.chunk_id, rk.score, CASE WHEN total_idf > 0 THEN least(rk.matched / total_idf, 1) ELSE 0 END
    FROM ranked rk
    -- checked in rank order until match_count pass: the OR keeps EXISTS a per-row filter (alone it
    -- would become a semi-join, which neither keeps the order nor stops early)
    WHERE false OR EXISTS (
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
    ORDER BY rk.score DESC
    LIMIT match_count;
    RETURN;
  END IF;

  IF nterms = 1 THEN
    RETURN QUERY
    SELECT p.chunk_id, qws[1] * idfs[1] * p.tf * 2.2::float8 / (p.tf + 1.2::float8 * (0.25::float8 + 0.75::float8 * p.len / avgdl)) AS s,
           CASE WHEN total_idf > 0 THEN least(idfs[1] / total_idf, 1) ELSE 0 END
    FROM (SELECT unnest(b.chunk_ids) AS chunk_id, unnest(b.tfs) AS tf, unnest(b.lens) AS len FROM term_blocks b WHERE b.term = terms[1]) p
    ORDER BY s DESC
    LIMIT match_count;
    RETURN;
  END IF;

  WHILE nrare < nterms AND (SELECT sum(least(d, match_count)) FROM unnest(dfs[1:nrare]) AS d) < match_count LOOP
    nrare := nrare + 1;
  END LOOP;
  SELECT min(y.s) INTO theta FROM (
    SELECT sum(tp.c) AS s
    FROM generate_series(1, nrare) AS i
    CROSS JOIN LATERAL (
      SELECT p.chunk_id, qws[i] * idfs[i] * p.tf * 2.2::float8 / (p.tf + 1.2::float8 * (0.25::float8 + 0.75::float8 * p.len / avgdl)) AS c
      FROM (SELECT unnest(b.chunk_ids) AS chunk_id, unnest(b.tfs) AS tf, unnest(b.lens) AS len FROM term_blocks b WHERE b.term = terms[i]) p
      ORDER BY c DESC LIMIT match_count) tp
    GROUP BY tp.chunk_id
    ORDER BY s DESC LIMIT match_count
  ) y HAVING count(*) >= match_count;
  theta := coalesce(theta, 0);
  ness := nterms;
  WHILE ness > 1 AND ne_bound + bounds[ness] < theta LOOP
    ne_bound := ne_bound + bounds[ness];
    ne_df := ne_df + dfs[ness];
    ness := ness - 1;
  END LOOP;

  IF ness = nterms THEN
    RETURN QUERY
    SELECT e.chunk_id, e.s, CASE WHEN total_idf > 0 THEN least(e.m / total_idf, 1) ELSE 0 END
    FROM (
      SELECT p.chunk_id,
             sum(qt.qw * qt.idf * p.tf * 2.2::float8 / (p.tf + 1.2::float8 * (0.25::float8 + 0.75::float8 * p.len / avgdl))) AS s,
             sum(qt.idf) AS m
      FROM unnest(terms, idfs, qws) AS qt(term, idf, qw)
      CROSS JOIN LATERAL (SELECT unnest(b.chunk_ids) AS chunk_id, unnest(b.tfs) AS tf, unnest(b.lens) AS len FROM term_blocks b WHERE b.term = qt.term) p
      GROUP BY p.chunk_id
      ORDER BY s DESC LIMIT match_count
    ) e;
    RETURN;
  END IF;

  -- The chunks that have an essential word, with their partial sums (lower bounds of their
  -- scores), less those that cannot reach the match_count-th best partial sum even with every
  -- non-essential word at its bound.
  WITH e AS MATERIALIZED (
    SELECT p.chunk_id,
           sum(qt.qw * qt.idf * p.tf * 2.2::float8 / (p.tf + 1.2::float8 * (0.25::float8 + 0.75::float8 * p.len / avgdl))) AS s,
           sum(qt.idf) AS m, max(p.len) AS len
    FROM unnest(terms[1:ness], idfs[1:ness], qws[1:ness]) AS qt(term, idf, qw)
    CROSS JOIN LATERAL (SELECT unnest(b.chunk_ids) AS chunk_id, unnest(b.tfs) AS tf, unnest(b.lens) AS len FROM term_blocks b WHERE b.term = qt.term) p
    GROUP BY p.chunk_id
  ), th AS (
    SELECT greatest(theta, coalesce((SELECT min(x.s) FROM (SELECT e.s FROM e ORDER BY e.s DESC LIMIT match_count) x HAVING count(*) >= match_count), 0)) AS v
  )
  SELECT array_agg(e.chunk_id), array_agg(e.s), array_agg(e.m), array_agg(e.len)
  INTO sv_ids, sv_s, sv_m, sv_len
  FROM e, th WHERE e.s + ne_bound >= th.v;

  -- Fetching one chunk's tsvector costs about as much as reading 30 postings (~14 us and ~0.4 us).
  IF cardinality(sv_ids) * 30 < ne_df THEN
    -- few survivors: each one's non-essential words are read from its own tsvector (one index probe)
    RETURN QUERY
    SELECT x.chunk_id, sum(x.s), CASE WHEN total_idf > 0 THEN least(sum(x.m) / total_idf, 1) ELSE 0 END
    FROM (
      SELECT sv.chunk_id, sv.s, sv.m FROM unnest(sv_ids, sv_s, sv_m) AS sv(chunk_id, s, m)
      UNION ALL
      SELECT sv.chunk_id,
             qt.qw * qt.idf * coalesce(array_length(l.positions, 1), 1) * 2.2::float8
               / (coalesce(array_length(l.positions, 1), 1) + 1.2::float8 * (0.25::float8 + 0.75::float8 * sv.len / avgdl)),
             qt.idf
      FROM unnest(sv_ids, sv_len) AS sv(chunk_id, len) JOIN chunks c ON c.id = sv.chunk_id
      CROSS JOIN LATERAL unnest(ts_filter(setweight(c.fts, 'A', terms[ness + 1:]), '{a}')) AS l
      JOIN unnest(terms[ness + 1:], idfs[ness + 1:], qws[ness + 1:]) AS qt(term, idf, qw) ON qt.term = l.lexeme
    ) x
    GROUP BY x.chunk_id
    ORDER BY 2 DESC LIMIT match_count;
  ELSE
    -- many: the non-essential words' postings are read and only those of survivors kept. EXECUTE
    -- plans with the survivors' array as a constant, so `= ANY` is one hash lookup per posting
    -- (a cached plan would scan the array, and a join here is planned from a guess of the
    -- survivors' count: a nested loop over all of them per posting, measured 20x slower).
    RETURN QUERY EXECUTE
      'SELECT x.chunk_id, sum(x.s), CASE WHEN $7 > 0 THEN least(sum(x.m) / $7, 1) ELSE 0 END
       FROM (SELECT sv.chunk_id, sv.s, sv.m FROM unnest($1::uuid[], $2::float8[], $3::float8[]) AS sv(chunk_id, s, m)
             UNION ALL
             SELECT p.chunk_id, qt.qw * qt.idf * p.tf * 2.2::float8 / (p.tf + 1.2::float8 * (0.25::float8 + 0.75::float8 * p.len / $8)), qt.idf
             FROM unnest($4::text[], $5::float8[], $6::float8[]) AS qt(term, idf, qw)
             CROSS JOIN LATERAL (SELECT unnest(b.chunk_ids) AS chunk_id, unnest(b.tfs) AS tf, unnest(b.lens) AS len
                                 FROM term_blocks b WHERE b.term = qt.term) p
             WHERE p.chunk_id = ANY ($1::uuid[])) x
       GROUP BY x.chunk_id
       ORDER BY 2 DESC LIMIT $9'
      USING sv_ids, sv_s, sv_m, terms[ness + 1:], idfs[ness + 1:], qws[ness + 1:], total_idf, avgdl, match_count;
  END IF;
END;
$$;
