-- Who may see what: document permissions, enforced inside both search legs.
--
-- Signatures after this migration (the only search entry points):
--   dense_search(query_embedding vector, match_count int, filter_category text[], filter_doc_type text[],
--                modified_after timestamptz, modified_before timestamptz, ef_search int, access_scope text[])
--   lexical_search(query_text text, match_count int, filter_category text[], filter_doc_type text[],
--                  modified_after timestamptz, modified_before timestamptz, access_scope text[])
--   search_chunks(query_text, query_embedding, match_count, mode, fusion, dense_weight, rrf_k, candidates,
--                 ef_search, filter_category, filter_doc_type, modified_after, modified_before, access_scope text[])
--   access_permits(document_id uuid, access_scope text[]) → boolean
--   refresh_access_grants() → void (re-materialises channel grants as document_access rows)
--
-- access_scope is a two-dimensional text array: one row per READER, each row the principals that
-- reader holds ('anyone', 'workspace', 'domain:acme.com', 'user:ann@acme.com', 'group:pm@acme.com',
-- 'channel:C123'), padded with NULLs. A document passes when EVERY reader holds at least one of the
-- document's principals (the asker AND the channel's audience; each member of a private channel).
-- The operator scope (CLI without --as, jobs) is exactly '{{*}}'. A NULL scope is an error, never
-- "everything": forgetting the argument must not widen what an answer may quote.
--
-- Why a function parameter and not row-level security: RLS is bypassed by superusers and by the
-- table owner (the role Trajanus connects as on Supabase, Postgres and PGlite alike), so policies would
-- silently do nothing in the default deployment; a per-request visible set would have to travel in a
-- session variable on pooled connections (one forgotten SET LOCAL leaks the previous asker's scope);
-- and security-barrier quals keep non-leakproof operators (@@, <=>) from being pushed down, which
-- would cost the HNSW index its filtered iterative scan. A required parameter is explicit, testable,
-- and applied at the one place where both legs read chunks.

CREATE TABLE document_access (
  document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  principal   text NOT NULL CHECK (principal IN ('anyone', 'workspace') OR principal ~ '^(user|group|domain|channel):.+$'),
  role        text,                          -- Drive role (reader, commenter, writer, owner …), for `trajanus access`
  via         text NOT NULL DEFAULT 'file'   -- 'file' (the file's own permission), 'drive' (shared-drive member),
              CHECK (via IN ('file', 'drive', 'source', 'grant')),  -- 'source' (folder source: workspace), 'grant' (channel grant)
  PRIMARY KEY (document_id, principal)
);
CREATE INDEX idx_document_access_principal ON document_access (principal, document_id);

-- A document whose permissions could not be read is visible to nobody (it has no access rows) and
-- is listed here, so the health report can count such documents by folder.
CREATE TABLE document_access_errors (
  document_id uuid PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
  error       text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

-- Google groups seen in permissions, and their members when the Directory API could list them.
-- An unresolved group has no member rows: nobody holds 'group:…', so a document shared only with
-- it is visible to nobody until an admin fixes the credentials (the health report names it).
CREATE TABLE access_groups (
  group_email  text PRIMARY KEY,
  resolved     boolean NOT NULL,
  error        text,
  refreshed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE access_group_members (
  group_email  text NOT NULL REFERENCES access_groups (group_email) ON DELETE CASCADE,
  member_email text NOT NULL,
  PRIMARY KEY (group_email, member_email)
);
CREATE INDEX idx_access_group_members_member ON access_group_members (member_email);

-- Admin grants: a channel may quote a folder (Drive folder id) or a category its audience would
-- not pass on its own. Materialised as 'channel:<id>' rows in document_access (via 'grant') by
-- refresh_access_grants(), so the search predicate stays one index probe.
CREATE TABLE access_grants (
  channel_id text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('folder', 'category')),
  value      text NOT NULL,
  label      text NOT NULL,
  granted_by text NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_id, kind, value)
);

CREATE TABLE access_audit (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text NOT NULL,
  action     text NOT NULL,
  channel_id text,
  detail     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX idx_access_audit_at ON access_audit (at DESC);

-- Channel scope (relevance, not security): what a channel searches by default.
CREATE TABLE channel_scopes (
  channel_id text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('folder', 'category')),
  value      text NOT NULL,
  label      text NOT NULL,
  set_by     text NOT NULL,
  set_at     timestamptz NOT NULL DEFAULT now()
);

-- The lexical leg filters its ranked chunks by document: chunk → document without a heap visit.
CREATE INDEX idx_chunks_id_document ON chunks (id) INCLUDE (document_id);

-- Documents already indexed from the folder source have no ACLs: visible to the workspace.
INSERT INTO document_access (document_id, principal, via)
SELECT id, 'workspace', 'source' FROM documents WHERE source = 'folder'
ON CONFLICT DO NOTHING;

-- True when every reader of the scope holds one of the document's principals.
CREATE FUNCTION access_permits(p_document uuid, p_scope text[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_scope IS NULL THEN NULL::boolean
    WHEN p_scope = '{{*}}'::text[] THEN true
    ELSE NOT EXISTS (
      SELECT 1 FROM generate_subscripts(p_scope, 1) AS r
      WHERE NOT EXISTS (
        SELECT 1 FROM document_access a
        WHERE a.document_id = p_document AND a.principal = ANY (p_scope[r:r])))
  END;
$$;

CREATE FUNCTION access_scope_check(p_scope text[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_scope IS NULL OR cardinality(p_scope) = 0 THEN
    RAISE EXCEPTION 'search needs an access scope: the readers'' principals, or ''{{*}}'' for the operator scope'
      USING ERRCODE = '22023';
  END IF;
  IF array_ndims(p_scope) <> 2 THEN
    RAISE EXCEPTION 'access scope must be a two-dimensional array (one row per reader), got %', p_scope
      USING ERRCODE = '22023';
  END IF;
END;
$$;

CREATE FUNCTION refresh_access_grants() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM document_access WHERE via = 'grant';
  INSERT INTO document_access (document_id, principal, via)
  SELECT DISTINCT d.id, 'channel:' || g.channel_id, 'grant'
  FROM access_grants g JOIN documents d
    ON (g.kind = 'category' AND lower(d.category) = lower(g.value))
    OR (g.kind = 'folder' AND coalesce(d.metadata -> 'folderIds', '[]'::jsonb) ? g.value)
  ON CONFLICT (document_id, principal) DO NOTHING;
END;
$$;

DROP FUNCTION search_documents(vector, double precision, integer, text);
DROP FUNCTION hybrid_search(text, vector, double precision, double precision, integer);
DROP FUNCTION search_chunks(text, vector, integer, text, text, double precision, integer, integer, integer, text[], text[], timestamptz, timestamptz);
DROP FUNCTION lexical_search(text, integer, text[], text[], timestamptz, timestamptz);
DROP FUNCTION dense_search(vector, integer, text[], text[], timestamptz, timestamptz, integer);

-- The lexical leg (0002's BM25), now filtered by the access scope. A filtered query ranks every
-- matching chunk, then checks chunks in score order and stops at match_count (the OFFSET 0 keeps
-- the planner from checking every scored chunk before sorting).
CREATE FUNCTION lexical_search(
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
  words text := coalesce(query_text, '');
  must tsquery;
  ph text;
  doc_filtered boolean := filter_category IS NOT NULL OR filter_doc_type IS NOT NULL OR modified_after IS NOT NULL OR modified_before IS NOT NULL;
  operator boolean;
BEGIN
  PERFORM access_scope_check(access_scope);
  operator := access_scope = '{{*}}'::text[];
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
    SELECT coalesce((SELECT sum(qt.idf) FROM qt), 0)
           + ((SELECT count(*) FROM q) - (SELECT count(*) FROM qt)) * (SELECT ln(1 + (s.n + 0.5) / 0.5) FROM s) AS idf
  ), scored AS (
    SELECT p.chunk_id,
           sum(qt.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / s.avgdl))) AS score,
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

-- The dense leg (0002's HNSW), filtered by the access scope inside the index scan: with
-- hnsw.iterative_scan the scan goes on past ef_search until match_count chunks pass the filter.
CREATE FUNCTION dense_search(
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
    RETURN QUERY
    SELECT c.id, 1 - (c.embedding <=> query_embedding)
    FROM chunks c
    WHERE c.embedding IS NOT NULL
      AND access_permits(c.document_id, access_scope)
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

-- 0002's fusion, unchanged except that both legs receive the access scope.
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
  modified_before timestamptz DEFAULT NULL,
  access_scope text[] DEFAULT NULL
)
RETURNS TABLE (
  chunk_id uuid, document_id uuid, score double precision,
  dense_rank integer, dense_score double precision,
  lexical_rank integer, lexical_score double precision, coverage double precision
)
LANGUAGE plpgsql VOLATILE ROWS 50 AS $$
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
  ORDER BY u.fused DESC, u.id
  LIMIT match_count;
END;
$$;

-- The seed's RPC functions keep their signatures. They are called by whoever holds database
-- credentials, that is an operator: they search with the operator scope, said here explicitly.
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
                       CASE WHEN filter_category IS NULL THEN NULL ELSE ARRAY[filter_category] END, NULL, NULL, NULL, '{{*}}') s
    JOIN chunks c ON c.id = s.chunk_id
    ORDER BY s.document_id, s.dense_score DESC
  ) best
  JOIN documents d ON d.id = best.document_id
  WHERE best.score > match_threshold
  ORDER BY best.score DESC
  LIMIT match_count;
$$;

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
                       vector_weight / nullif(vector_weight + fts_weight, 0), 60, greatest(match_count * 5, 100), 100,
                       NULL, NULL, NULL, NULL, '{{*}}') s
    JOIN chunks c ON c.id = s.chunk_id
    ORDER BY s.document_id, s.score DESC
  ) best
  JOIN documents d ON d.id = best.document_id
  ORDER BY best.score DESC
  LIMIT match_count;
$$;
