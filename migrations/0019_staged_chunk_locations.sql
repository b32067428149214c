-- A large document's chunks are staged batch by batch (0006) before they replace its live chunks:
-- the staged rows keep each chunk's place (page, tab and rows, slide; see 0009) so that the switch
-- copies it into chunks.location with the rest.
ALTER TABLE staged_chunks ADD COLUMN location jsonb;
