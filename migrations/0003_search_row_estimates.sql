-- Row estimates for the search functions. A set-returning function is planned as returning 1000
-- rows unless told otherwise; at 100k chunks that made the planner hash-join all of `chunks`
-- (about 60 ms) instead of looking up the ~100 candidate ids by primary key. Measured with
-- bench/search.ts on PostgreSQL 15: one hybrid query went from 102 ms to 41 ms.
ALTER FUNCTION dense_search(vector, integer, text[], text[], timestamptz, timestamptz, integer) ROWS 100;
ALTER FUNCTION lexical_search(text, integer, text[], text[], timestamptz, timestamptz) ROWS 100;
ALTER FUNCTION search_chunks(text, vector, integer, text, text, double precision, integer, integer, integer, text[], text[], timestamptz, timestamptz) ROWS 50;
