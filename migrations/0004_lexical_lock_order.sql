-- Concurrent document writes on a real Postgres could deadlock in the BM25 triggers: rewriting a
-- document is two statements (DELETE its chunks, INSERT the new ones), each locking term_stats
-- rows and then the single lexical_stats row, which stays locked until commit. Transaction A
-- holding lexical_stats and needing a term that transaction B locked while B waits for
-- lexical_stats is a cycle. Taking lexical_stats FIRST in every call makes it the one entry
-- lock: whoever holds it is the only writer of term_stats until commit.
-- Also: the clean-up of terms whose df fell to 0 looked at the whole of term_stats on every
-- delete (no index on df); it now looks only at the terms just touched.
CREATE OR REPLACE FUNCTION lexical_apply(p_ids uuid[], p_fts tsvector[], p_sign integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM lexical_stats FOR UPDATE;

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
    DELETE FROM term_stats
    WHERE df <= 0 AND term IN (SELECT DISTINCT l.lexeme FROM unnest(p_fts) AS r(fts), unnest(r.fts) AS l);
  END IF;

  UPDATE lexical_stats SET
    chunks = chunks + p_sign * coalesce(array_length(p_ids, 1), 0),
    total_len = total_len + p_sign * coalesce((
      SELECT sum(coalesce(array_length(l.positions, 1), 1)) FROM unnest(p_fts) AS r(fts), unnest(r.fts) AS l), 0);
END;
$$;
