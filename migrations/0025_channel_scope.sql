-- Channel scope (relevance, not security) and the channel facts the CLI answers from.
--
-- No search function changes here. A channel scoped to a category narrows through the search
-- functions' filter_category; a channel scoped to a Drive folder narrows through their access_scope:
-- one more READER row, ['folder:<id>'], which only documents filed under that folder hold. A reader
-- row can only narrow (every row must pass), and no person or channel ever holds a 'folder:'
-- principal, so these rows can never widen what anyone may open.

ALTER TABLE document_access DROP CONSTRAINT IF EXISTS document_access_principal_check;
ALTER TABLE document_access ADD CONSTRAINT document_access_principal_check
  CHECK (principal IN ('anyone', 'workspace') OR principal ~ '^(user|group|domain|channel|folder):.+$');
ALTER TABLE document_access DROP CONSTRAINT IF EXISTS document_access_via_check;
-- 'folder': where the document is filed (metadata.folderIds, every folder from the root down), for scopes.
ALTER TABLE document_access ADD CONSTRAINT document_access_via_check
  CHECK (via IN ('file', 'drive', 'source', 'grant', 'folder'));

-- Kept equal to metadata.folderIds on every write path (insert, a move, a re-ingest), so a scope
-- never depends on an ingest step remembering to call something.
CREATE FUNCTION document_folder_principals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.metadata -> 'folderIds' IS NOT DISTINCT FROM NEW.metadata -> 'folderIds' THEN
    RETURN NULL;
  END IF;
  DELETE FROM document_access WHERE document_id = NEW.id AND via = 'folder';
  INSERT INTO document_access (document_id, principal, via)
  SELECT NEW.id, 'folder:' || f, 'folder'
  FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(NEW.metadata -> 'folderIds') = 'array' THEN NEW.metadata -> 'folderIds' ELSE '[]'::jsonb END) AS f
  WHERE f <> ''
  ON CONFLICT (document_id, principal) DO NOTHING;
  RETURN NULL;
END;
$$;

CREATE TRIGGER documents_folder_principals AFTER INSERT OR UPDATE OF metadata ON documents
  FOR EACH ROW EXECUTE FUNCTION document_folder_principals();

INSERT INTO document_access (document_id, principal, via)
SELECT d.id, 'folder:' || f, 'folder'
FROM documents d
CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(d.metadata -> 'folderIds') = 'array' THEN d.metadata -> 'folderIds' ELSE '[]'::jsonb END) AS f
WHERE f <> ''
ON CONFLICT (document_id, principal) DO NOTHING;

-- `/trajanus scope clear` is stored as 'all', so it also overrides the default scope a channel's
-- name would give it.
ALTER TABLE channel_scopes DROP CONSTRAINT IF EXISTS channel_scopes_kind_check;
ALTER TABLE channel_scopes ADD CONSTRAINT channel_scopes_kind_check CHECK (kind IN ('folder', 'category', 'all'));

-- What the bot last read of a channel from Slack (conversations.info / conversations.members +
-- users.info), so `trajanus ask --as … --channel …` can answer as in that channel without Slack
-- credentials. members is NULL when the channel has more members than the limit or they could not
-- be read (the public rule then); each member is {"kind": "member|external|guest|bot|unknown", "email": …}.
CREATE TABLE access_channels (
  channel_id   text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('im', 'public', 'private', 'shared')),
  name         text,
  members      jsonb,
  refreshed_at timestamptz NOT NULL DEFAULT now()
);
