-- Hyphenated words are indexed and searched as their parts only (issue 16, lexical quality).
--
-- Postgres's English configuration turns "boundary-layer" into three lexemes: the parts
-- (boundari, layer) and the whole compound (boundary-lay). The compound is a rare term, so it
-- carries a large IDF: a question that writes "boundary-layer" preferred the passages that wrote it
-- the same way over those that wrote "boundary layer", and the compound lengthened every passage
-- that had one. Reference BM25s (Lucene's StandardTokenizer, Xapian's TermGenerator) split on the
-- hyphen. BM25 over the product's own chunks, nDCG@10 with the compound / without (README,
-- Retrieval quality): Cranfield 0.354 / 0.361, Cranfield long questions 0.350 / 0.350, the sample
-- set 0.887 / 0.890, its long questions 0.829 / 0.830. Identifiers such as RFI-041 or S-501 keep
-- both parts (rfi, 041): the number is what makes them rare.
--
-- trajanus_english is pg_catalog.english without the mappings for whole hyphenated words
-- (asciihword, hword, numhword; their parts stay mapped). Every place that turns text into lexemes
-- uses it: the fts column, and so the postings the triggers build from it, and the functions that
-- parse a question (lexical_search, search_query_must), so that a question and a passage are always
-- cut the same way. src/core/answer/weights.ts names it too. A migration that redefines one of
-- those functions must keep it.

CREATE TEXT SEARCH CONFIGURATION trajanus_english (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION trajanus_english DROP MAPPING FOR asciihword, hword, numhword;

-- PostgreSQL 15 cannot change a generated column's expression: the column is dropped (with its
-- GIN index) and added again, which rewrites the table. Rewrites fire no trigger, so the postings
-- are rebuilt below.
ALTER TABLE chunks DROP COLUMN fts;
ALTER TABLE chunks ADD COLUMN fts tsvector GENERATED ALWAYS AS (to_tsvector('trajanus_english', context || ' ' || content)) STORED;
CREATE INDEX idx_chunks_fts ON chunks USING gin (fts);

-- The postings from the new column, written as the triggers write them, in blocks of 1,024 chunks
-- (by id, as 0028 did): one block holding every chunk would make each later removal of a chunk
-- rewrite that whole block for each of its words.
TRUNCATE term_blocks, chunk_blocks, term_stats;
UPDATE lexical_stats SET chunks = 0, total_len = 0;
DO $$
DECLARE
  ids uuid[];
  ftss tsvector[];
  after uuid;
BEGIN
  LOOP
    SELECT array_agg(s.id ORDER BY s.id), array_agg(s.fts ORDER BY s.id) INTO ids, ftss
    FROM (SELECT c.id, c.fts FROM chunks c WHERE after IS NULL OR c.id > after ORDER BY c.id LIMIT 1024) s;
    EXIT WHEN ids IS NULL;
    PERFORM lexical_apply(ids, ftss, 1);
    after := ids[cardinality(ids)];
  END LOOP;
END;
$$;

-- The question's side: lexical_search (0030) and search_query_must (0008) as they are, with the new
-- configuration where they named 'english'. Rewritten from their installed definitions rather than
-- restated here whole, so that this migration changes one word in them and nothing else.
DO $$
DECLARE
  f regprocedure;
  def text;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace AND p.proname IN ('lexical_search', 'search_query_must')
  LOOP
    def := pg_get_functiondef(f);
    IF position('''english''' IN def) = 0 THEN
      RAISE EXCEPTION '% does not name the english configuration: this migration expects 0030''s and 0008''s definitions', f;
    END IF;
    EXECUTE replace(def, '''english''', '''trajanus_english''');
  END LOOP;
END;
$$;
