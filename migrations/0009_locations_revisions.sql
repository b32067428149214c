-- Where each chunk comes from, and which revision each document is.
--  * chunks.location: {page, pageEnd} of a PDF, {sheet, rowStart, rowEnd} of a spreadsheet tab (row
--    numbers as the sheet shows them), {slide} of a deck; NULL for formats without pages. Answers
--    cite it ("p. 14", "tab Steel, rows 40–44") and PDF links open the page (#page=N).
--  * documents.revision: the revision mark the title or first page states ("Rev D", "R3", "ASI-004");
--    revision_base: the title without that mark, so documents with the same base in the same folder
--    (file_path) are revisions of one thing; stated_date: the date the document itself states.
--  * documents.extraction: what extraction recorded about the file (pages read by OCR, pages left
--    unread over the OCR budget, and why).

ALTER TABLE chunks ADD COLUMN location jsonb;

ALTER TABLE documents
  ADD COLUMN revision text,
  ADD COLUMN revision_base text,
  ADD COLUMN stated_date date,
  ADD COLUMN extraction jsonb NOT NULL DEFAULT '{}'::jsonb;

CREATE INDEX idx_documents_revision_base ON documents (revision_base, file_path) WHERE revision_base IS NOT NULL;

-- Documents indexed before this migration have no locations or revisions: forget their change
-- markers so the next sync reads each file again (its chunks' vectors come back from the
-- embedding cache, so this costs extraction, not embedding).
UPDATE documents SET source_version = NULL, content_hash = 'before-0009';
