-- Ingest that survives interruption (issue 12).
--
-- 1. A run stopped by a signal is recorded 'interrupted' by its own process; a run whose process
--    died is closed as 'abandoned' by the next run of its source (or shown so by `health`).
ALTER TABLE ingest_runs DROP CONSTRAINT IF EXISTS ingest_runs_status_check;
ALTER TABLE ingest_runs ADD CONSTRAINT ingest_runs_status_check
  CHECK (status IN ('running', 'ok', 'partial', 'failed', 'interrupted', 'abandoned'));

-- 2. A large document's new version is written here in committed batches, beside the version
--    searchers see in `chunks`; when every batch is in, one transaction replaces the document's
--    chunks with these rows. An interrupted write keeps its batches: the next run of the same
--    text (same version_key) continues after the last staged chunk. Never searched.
CREATE TABLE staged_chunks (
  file_id         text NOT NULL,
  version_key     text NOT NULL,                       -- sha256 of text, title, chunk settings and model: batches count only for the same
  chunk_index     integer NOT NULL,
  content         text NOT NULL,
  context         text NOT NULL,
  embedding       vector NOT NULL,
  embedding_model text NOT NULL,
  token_count     integer,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  staged_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (file_id, version_key, chunk_index)
);
