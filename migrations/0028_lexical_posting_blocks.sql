-- BM25 postings stored in blocks: one row per (term, write), not one per (term, chunk).
--
-- 0002 kept one chunk_terms row per term of every chunk (about 76 rows a chunk of ~110 words),
-- each inserted with two B-tree entries and a foreign-key check that runs row by row. Measured in
-- PGlite (bench/search.ts build, 1,000 chunks a statement): inserting a batch's 76k postings took
-- 7-11 s (the FK check alone 4.5 s), against 3 s for the chunks themselves, so loading 100k chunks
-- took over 30 minutes. A statement that writes chunks now adds ONE row per distinct term it
-- contains, holding that term's chunks, term frequencies and chunk lengths as parallel arrays
-- (a batch of 1,000 chunks: ~5k rows instead of 76k, and no per-row FK check).
--
-- The scores do not change: chunk_terms becomes a view that unnests the blocks into exactly the
-- rows the table held (term, chunk_id, tf, len), so lexical_search (0015, or whichever migration
-- redefines it) reads the same postings through the same join on term, an index range scan on
-- term_blocks' primary key. term_stats and lexical_stats are kept as before.
--
-- Removing chunks (a DELETE, or an UPDATE that changes their text) rewrites only the blocks that
-- hold them, for the terms they had: chunk_blocks says which block each chunk was written in.
-- There is no foreign key from either table to chunks: the statement triggers below are the only
-- writers, and a cascading FK would remove chunk_blocks rows before the statement trigger that
-- needs them runs.

CREATE SEQUENCE lexical_block_seq;

CREATE TABLE term_blocks (
  term      text      NOT NULL,
  block     bigint    NOT NULL,
  chunk_ids uuid[]    NOT NULL,
  tfs       integer[] NOT NULL,
  lens      integer[] NOT NULL,
  PRIMARY KEY (term, block)
);
-- Random uuids do not compress: skip the attempt on every write (large arrays still go out of line).
ALTER TABLE term_blocks ALTER COLUMN chunk_ids SET STORAGE EXTERNAL;

CREATE TABLE chunk_blocks (
  chunk_id uuid   PRIMARY KEY,
  block    bigint NOT NULL
);

-- Existing postings, in blocks of 1,024 chunks (by id).
INSERT INTO chunk_blocks (chunk_id, block)
SELECT id, (row_number() OVER (ORDER BY id) - 1) / 1024 + 1 FROM chunks;
INSERT INTO term_blocks (term, block, chunk_ids, tfs, lens)
SELECT p.term, m.block, array_agg(p.chunk_id), array_agg(p.tf), array_agg(p.len)
FROM chunk_terms p JOIN chunk_blocks m ON m.chunk_id = p.chunk_id
GROUP BY p.term, m.block;
SELECT setval('lexical_block_seq', coalesce((SELECT max(block) FROM chunk_blocks), 0) + 1, false);

DROP TABLE chunk_terms;

-- The postings as rows, as 0002's table held them (one aggregate pass builds the three arrays of a
-- block from the same rows in the same order, so their elements line up).
CREATE VIEW chunk_terms AS
SELECT b.term, u.chunk_id, u.tf, u.len
FROM term_blocks b CROSS JOIN LATERAL unnest(b.chunk_ids, b.tfs, b.lens) AS u(chunk_id, tf, len);

-- 0004's lexical_apply with the postings written and removed as blocks; the locking order
-- (lexical_stats first) and the term_stats / lexical_stats arithmetic are unchanged.
CREATE OR REPLACE FUNCTION lexical_apply(p_ids uuid[], p_fts tsvector[], p_sign integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  blk bigint;
BEGIN
  PERFORM 1 FROM lexical_stats FOR UPDATE;

  IF p_sign > 0 THEN
    -- One pass over the lexemes builds the blocks, the document frequencies and the corpus length.
    blk := nextval('lexical_block_seq');
    WITH p AS (
      SELECT l.lexeme AS term, r.id, coalesce(array_length(l.positions, 1), 1) AS tf,
             sum(coalesce(array_length(l.positions, 1), 1)) OVER (PARTITION BY r.id)::integer AS len
      FROM unnest(p_ids, p_fts) AS r(id, fts), unnest(r.fts) AS l
    ), g AS MATERIALIZED (
      SELECT p.term, array_agg(p.id) AS ids, array_agg(p.tf) AS tfs, array_agg(p.len) AS lens, sum(p.tf) AS total
      FROM p GROUP BY p.term
    ), blocks AS (
      INSERT INTO term_blocks (term, block, chunk_ids, tfs, lens) SELECT g.term, blk, g.ids, g.tfs, g.lens FROM g
    ), corpus AS (
      UPDATE lexical_stats SET chunks = chunks + coalesce(array_length(p_ids, 1), 0),
                               total_len = total_len + coalesce((SELECT sum(g.total) FROM g), 0)
    )
    INSERT INTO term_stats AS ts (term, df)
    SELECT g.term, cardinality(g.ids) FROM g ORDER BY g.term
    ON CONFLICT (term) DO UPDATE SET df = ts.df + excluded.df;
    INSERT INTO chunk_blocks (chunk_id, block) SELECT i, blk FROM unnest(p_ids) AS i;
    RETURN;
  ELSE
    -- Each block holding a removed chunk, for each term that chunk had, loses that chunk's entry
    -- (a hash anti-join, not a scan of p_ids per entry); a block left empty is deleted.
    WITH gone AS (
      SELECT l.lexeme AS term, m.block, r.id
      FROM unnest(p_ids, p_fts) AS r(id, fts) JOIN chunk_blocks m ON m.chunk_id = r.id, unnest(r.fts) AS l
    ), kept AS (
      SELECT b.term, b.block,
             array_agg(u.chunk_id ORDER BY u.o) FILTER (WHERE g.id IS NULL) AS chunk_ids,
             array_agg(u.tf ORDER BY u.o) FILTER (WHERE g.id IS NULL) AS tfs,
             array_agg(u.len ORDER BY u.o) FILTER (WHERE g.id IS NULL) AS lens
      FROM (SELECT DISTINCT term, block FROM gone) t
      JOIN term_blocks b ON b.term = t.term AND b.block = t.block
      CROSS JOIN LATERAL unnest(b.chunk_ids, b.tfs, b.lens) WITH ORDINALITY AS u(chunk_id, tf, len, o)
      LEFT JOIN gone g ON g.term = b.term AND g.block = b.block AND g.id = u.chunk_id
      GROUP BY b.term, b.block
    ), rewritten AS (
      UPDATE term_blocks b SET chunk_ids = k.chunk_ids, tfs = k.tfs, lens = k.lens
      FROM kept k WHERE b.term = k.term AND b.block = k.block AND k.chunk_ids IS NOT NULL
      RETURNING 1
    )
    DELETE FROM term_blocks b USING kept k WHERE b.term = k.term AND b.block = k.block AND k.chunk_ids IS NULL;
    DELETE FROM chunk_blocks WHERE chunk_id = ANY (p_ids);
  END IF;

  INSERT INTO term_stats AS ts (term, df)
  SELECT l.lexeme, p_sign * count(*)
  FROM unnest(p_fts) AS r(fts), unnest(r.fts) AS l
  GROUP BY l.lexeme
  ORDER BY l.lexeme
  ON CONFLICT (term) DO UPDATE SET df = ts.df + excluded.df;
  IF p_sign < 0 THEN
    DELETE FROM term_stats
    WHERE df <= 0 AND term IN (SELECT DISTINCT l.lexeme FROM unnest(p_fts) AS r(fts), unnest(r.fts) AS l);
  END IF;

  UPDATE lexical_stats SET
    chunks = chunks + p_sign * coalesce(array_length(p_ids, 1), 0),
    total_len = total_len + p_sign * coalesce((
      SELECT sum(coalesce(array_length(l.positions, 1), 1)) FROM unnest(p_fts) AS r(fts), unnest(r.fts) AS l), 0);
END;
$$;

-- 0002's update trigger deleted the rewritten chunks' postings itself (chunk_terms rows); the
-- removal is now lexical_apply's (-1), which knows the blocks.
CREATE OR REPLACE FUNCTION chunks_lexical_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  SELECT array_agg(n.id) INTO ids FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE o.fts IS DISTINCT FROM n.fts;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM lexical_apply(array_agg(id), array_agg(fts), -1) FROM old_chunks WHERE id = ANY (ids);
  PERFORM lexical_apply(array_agg(id), array_agg(fts), 1) FROM new_chunks WHERE id = ANY (ids);
  RETURN NULL;
END;
$$;
