-- Trajanus core schema: the seed spec's tables, corrected.
--  * Search happens on chunks: each chunk has its own embedding and a stored, generated tsvector
--    with a GIN index (the seed recomputed to_tsvector per row per query).
--  * Vector index is HNSW (cosine). The seed's ivfflat built on an empty table has ~0.2 recall.
--  * embeddings_cache is unique on (text_hash, model): the same text under two models is two vectors.
--  * One embedding space (model + dimension) per database, recorded in embedding_space; every
--    chunk vector references it, so two models can never share the index. The column's dimension
--    is set by configure_embedding_space() from the configured embedder, not hard-coded to 1536.
--  * documents carry a content hash so unchanged files are skipped on re-ingest. The seed's
--    documents.embedding is dropped: whole-document vectors of long files are not searched.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE embedding_space (
  singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  model         text NOT NULL UNIQUE,
  dimensions    integer NOT NULL CHECK (dimensions > 0),
  configured_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title        text NOT NULL,
  content      text NOT NULL,
  metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
  doc_type     varchar(50),
  category     varchar(100),
  source       text NOT NULL DEFAULT 'folder',      -- which DocumentSource owns it: 'folder' | 'drive'
  file_path    text,                                 -- path in the folder, or the Drive folder path
  file_id      text UNIQUE NOT NULL,                 -- source-qualified identity, e.g. 'drive:1AbC…', 'folder:safety/plan.md'
  url          text,                                 -- webViewLink, or a file:// link
  mime_type    varchar(255),
  word_count   integer,
  content_hash text NOT NULL,                        -- sha256 of the extracted text: unchanged → not rewritten
  source_version text,                               -- the source's change marker (Drive md5/version, file mtime+size): unchanged → not even fetched
  modified_at  timestamptz,                          -- the source's modification time
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  ingested_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_documents_doc_type ON documents (doc_type);
CREATE INDEX idx_documents_category ON documents (category, doc_type);
CREATE INDEX idx_documents_created_at ON documents (created_at DESC);
CREATE INDEX idx_documents_source ON documents (source);

CREATE TABLE chunks (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  document_id     uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  chunk_index     integer NOT NULL,
  content         text NOT NULL,
  context         text NOT NULL DEFAULT '',            -- "Title › Heading › Subheading": embedded and searched with the chunk
  embedding       vector,                              -- dimension fixed by configure_embedding_space()
  embedding_model text REFERENCES embedding_space (model),
  token_count     integer,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  fts             tsvector GENERATED ALWAYS AS (to_tsvector('english', context || ' ' || content)) STORED,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (document_id, chunk_index),
  CHECK ((embedding IS NULL) = (embedding_model IS NULL))
);
CREATE INDEX idx_chunks_fts ON chunks USING gin (fts);

CREATE TABLE embeddings_cache (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  text_hash     varchar(64) NOT NULL,                  -- sha256 of the embedded text
  model         varchar(100) NOT NULL,
  embedding     vector NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_accessed timestamptz NOT NULL DEFAULT now(),
  access_count  integer NOT NULL DEFAULT 1,
  UNIQUE (text_hash, model)
);
CREATE INDEX idx_embeddings_cache_last_accessed ON embeddings_cache (last_accessed);

CREATE TABLE queries (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  query_text        text NOT NULL,
  query_embedding   vector,
  results_count     integer,
  execution_time_ms integer,
  created_at        timestamptz NOT NULL DEFAULT now(),
  user_id           text,
  session_id        text,                               -- Slack thread (channel:thread_ts) or terminal session
  kind              text NOT NULL DEFAULT 'search' CHECK (kind IN ('search', 'answer')),
  standalone_query  text,                               -- the follow-up rewritten into a self-contained query
  answer            text,
  sources           jsonb,
  confidence        real,
  no_answer         boolean,
  timings           jsonb,                              -- ms per stage
  filters           jsonb,
  model             text
);
CREATE INDEX idx_queries_created_at ON queries (created_at DESC);
CREATE INDEX idx_queries_session_id ON queries (session_id, created_at);

CREATE TABLE feedback (
  query_id   uuid NOT NULL REFERENCES queries (id) ON DELETE CASCADE,
  user_id    text NOT NULL,
  value      smallint NOT NULL CHECK (value IN (-1, 1)),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (query_id, user_id)
);

CREATE TABLE query_stats (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  query_type        varchar(50),
  execution_time_ms integer,
  rows_returned     integer,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Slack delivers some events more than once (retries, app_mention + message); the first insert wins.
CREATE TABLE slack_events_seen (
  event_key text PRIMARY KEY,
  seen_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_slack_events_seen_at ON slack_events_seen (seen_at);

CREATE TABLE job_runs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job         text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status      text NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
  summary     jsonb,
  error       text,
  host        text
);
CREATE INDEX idx_job_runs_job ON job_runs (job, started_at DESC);

-- Per-source cursors, e.g. the Drive Changes API start page token.
CREATE TABLE sync_state (
  source     text NOT NULL,
  key        text NOT NULL,
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, key)
);

CREATE TABLE ingest_runs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  source      text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status      text NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed')),
  summary     jsonb,
  error       text
);
CREATE INDEX idx_ingest_runs_started ON ingest_runs (started_at DESC);

-- Sets (or, with p_force, switches) the embedding space. Without p_force a different model is
-- refused while any chunk holds a vector: changing the embedder is an explicit re-embed.
CREATE FUNCTION configure_embedding_space(p_model text, p_dimensions integer, p_force boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cur embedding_space%ROWTYPE;
BEGIN
  SELECT * INTO cur FROM embedding_space FOR UPDATE;
  IF FOUND AND cur.model = p_model AND cur.dimensions = p_dimensions THEN
    RETURN;
  END IF;
  IF FOUND AND NOT p_force AND EXISTS (SELECT 1 FROM chunks WHERE embedding IS NOT NULL) THEN
    RAISE EXCEPTION 'the knowledge base is embedded with % (% dimensions), but % (% dimensions) is configured',
      cur.model, cur.dimensions, p_model, p_dimensions
      USING ERRCODE = 'P0001', HINT = 'run `npx trajanus reembed` to re-embed every chunk, or configure the previous embedder again';
  END IF;
  DROP INDEX IF EXISTS idx_chunks_embedding_hnsw;
  UPDATE chunks SET embedding = NULL, embedding_model = NULL WHERE embedding IS NOT NULL;
  DELETE FROM embedding_space;
  EXECUTE format('ALTER TABLE chunks ALTER COLUMN embedding TYPE vector(%s)', p_dimensions);
  INSERT INTO embedding_space (model, dimensions) VALUES (p_model, p_dimensions);
  CREATE INDEX idx_chunks_embedding_hnsw ON chunks USING hnsw (embedding vector_cosine_ops);
END;
$$;

-- The seed's monitoring function, same signature.
CREATE FUNCTION log_query_stats(query_type text, execution_time integer, rows_returned integer)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO query_stats (query_type, execution_time_ms, rows_returned) VALUES ($1, $2, $3);
$$;

-- The seed's RPC entry points, same signatures (the vector(1536) typmod of a parameter is not
-- enforced by Postgres, so any configured dimension is accepted). They answer per document from
-- the best chunk. Migration 0002 replaces their bodies with the tuned hybrid search.
CREATE FUNCTION search_documents(
  query_embedding vector(1536),
  match_threshold float DEFAULT 0.7,
  match_count int DEFAULT 10,
  filter_category text DEFAULT NULL
)
RETURNS TABLE (id uuid, title text, content text, category varchar(100), similarity float, metadata jsonb)
LANGUAGE sql STABLE AS $$
  SELECT d.id, d.title, best.content, d.category, best.similarity, d.metadata
  FROM (
    SELECT DISTINCT ON (c.document_id) c.document_id, c.content, 1 - (c.embedding <=> query_embedding) AS similarity
    FROM chunks c
    WHERE c.embedding IS NOT NULL
    ORDER BY c.document_id, c.embedding <=> query_embedding
  ) best
  JOIN documents d ON d.id = best.document_id
  WHERE (filter_category IS NULL OR d.category = filter_category)
    AND best.similarity > match_threshold
  ORDER BY best.similarity DESC
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
LANGUAGE sql STABLE AS $$
  WITH v AS (
    SELECT c.document_id, c.content, 1 - (c.embedding <=> query_embedding) AS score,
           row_number() OVER (ORDER BY c.embedding <=> query_embedding) AS rnk
    FROM chunks c WHERE c.embedding IS NOT NULL
    ORDER BY c.embedding <=> query_embedding LIMIT match_count * 10
  ), f AS (
    SELECT c.document_id, c.content, ts_rank(c.fts, q) AS score,
           row_number() OVER (ORDER BY ts_rank(c.fts, q) DESC) AS rnk
    FROM chunks c, websearch_to_tsquery('english', query_text) q
    WHERE c.fts @@ q
    ORDER BY score DESC LIMIT match_count * 10
  ), fused AS (
    SELECT coalesce(v.document_id, f.document_id) AS document_id, coalesce(v.content, f.content) AS content,
           coalesce(vector_weight / (60 + v.rnk), 0) + coalesce(fts_weight / (60 + f.rnk), 0) AS combined,
           coalesce(v.score, 0) AS vs, coalesce(f.score, 0) AS fs
    FROM v FULL JOIN f ON v.document_id = f.document_id AND v.content = f.content
  ), best AS (
    SELECT DISTINCT ON (document_id) * FROM fused ORDER BY document_id, combined DESC
  )
  SELECT d.id, d.title, b.content, d.category, b.combined, b.vs, b.fs
  FROM best b JOIN documents d ON d.id = b.document_id
  ORDER BY b.combined DESC LIMIT match_count;
$$;
