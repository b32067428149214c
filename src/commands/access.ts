// `trajanus access <file id | title>`: who may open a document (principals, how they got it, what
// could not be read). `trajanus access --who <email> [--channel id]`: how much of the knowledge base
// that person may see, by category. Operator tools: they read every document's sharing.
import { parseArgs } from 'node:util';
import type { Command } from './types.js';
import { loadConfig } from '../config.js';
import { sqlScope } from '../core/access/scope.js';
import { openDatabase } from '../core/db/index.js';
import { migrate } from '../core/db/migrate.js';
import type { Queryable } from '../core/db/types.js';
import { audienceLabel, cliAudience, ScopeUsageError } from './as-scope.js';
import { narrowSearch } from '../core/scope/channel-scope.js';

const USAGE = `trajanus access <file id | title> [--json]
trajanus access --who email [--channel id] [--json]

  <file id | title>  a document's file id (folder:…, drive:… or the bare Drive id) or its title
                     (exact, else a unique part of it): lists who may open it, how, and what
                     could not be read
  --who email        how many documents that person may see (in a direct message), in total and
                     by category
  --channel id       with --who: as in that Slack channel (its audience, grants and scope). The
                     audience is read from Slack when SLACK_BOT_TOKEN is set, otherwise from what
                     the bot last saw there (cached in the database when it answers in the channel)
  --json             print the result as JSON`;

interface DocRow {
  id: string;
  file_id: string;
  title: string;
  file_path: string | null;
  category: string | null;
}

async function findDocuments(db: Queryable, text: string): Promise<DocRow[]> {
  const cols = 'id, file_id, title, file_path, category';
  const exact = await db.query<DocRow>(
    `SELECT ${cols} FROM documents WHERE file_id = $1 OR file_id = 'drive:' || $1 OR lower(title) = lower($1) ORDER BY file_id LIMIT 20`,
    [text],
  );
  if (exact.rows.length) return exact.rows;
  const like = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return (
    await db.query<DocRow>(
      `SELECT ${cols} FROM documents WHERE title ILIKE '%' || $1 || '%' OR file_path ILIKE '%' || $1 || '%' ORDER BY title, file_id LIMIT 20`,
      [like],
    )
  ).rows;
}

interface Holder {
  principal: string;
  role: string | null;
  via: string;
  /** For a group: its members as read from the Directory API, or null when it could not be resolved. */
  groupMembers?: number | null;
  /** For a channel grant: what was granted. */
  grant?: string;
}

async function whoMayOpen(db: Queryable, doc: DocRow) {
  const rows = await db.query<{
    principal: string;
    role: string | null;
    via: string;
    resolved: boolean | null;
    members: number | null;
    grant: string | null;
  }>(
    `SELECT a.principal, a.role, a.via, g.resolved,
            (SELECT count(*)::int FROM access_group_members m WHERE m.group_email = g.group_email) AS members,
            (SELECT string_agg(x.kind || ' ' || x.label, ', ') FROM access_grants x
              WHERE 'channel:' || x.channel_id = a.principal
                AND ((x.kind = 'category' AND lower(x.value) = lower($2)) OR (x.kind = 'folder' AND coalesce(d.metadata -> 'folderIds', '[]'::jsonb) ? x.value))) AS "grant"
     FROM document_access a JOIN documents d ON d.id = a.document_id
     LEFT JOIN access_groups g ON a.principal = 'group:' || g.group_email
     WHERE a.document_id = $1 AND a.via <> 'folder'
     ORDER BY CASE a.via WHEN 'grant' THEN 1 ELSE 0 END, a.principal`,
    [doc.id, doc.category ?? ''],
  );
  const error = await db.query<{ error: string; recorded_at: Date }>(
    'SELECT error, recorded_at FROM document_access_errors WHERE document_id = $1',
    [doc.id],
  );
  const holders: Holder[] = rows.rows.map((r) => ({
    principal: r.principal,
    role: r.role,
    via: r.via,
    ...(r.principal.startsWith('group:') ? { groupMembers: r.resolved ? r.members : null } : {}),
    ...(r.grant ? { grant: r.grant } : {}),
  }));
  return { holders, error: error.rows[0]?.error ?? null };
}

function describeHolder(h: Holder): string {
  const how = [
    h.role,
    `via ${h.via === 'file' ? 'the file’s sharing' : h.via === 'drive' ? 'shared-drive membership' : h.via === 'source' ? 'the folder source (no ACLs)' : 'an admin grant'}`,
  ]
    .filter(Boolean)
    .join(', ');
  const extra =
    h.groupMembers === null
      ? ' — group members could not be read: nobody gets the document through it'
      : h.groupMembers !== undefined
        ? ` — ${h.groupMembers} member(s)`
        : h.grant
          ? ` — granted: ${h.grant}`
          : '';
  return `  ${h.principal.padEnd(34)} ${how}${extra}`;
}

const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { who: { type: 'string' }, channel: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    const text = positionals.join(' ').trim();
    if (!values.who && !text) {
      console.error(`trajanus access: give a document (file id or title), or --who <email>\n\n${USAGE}`);
      return 2;
    }
    if (values.channel && !values.who) {
      console.error('trajanus access: --channel goes with --who <email>');
      return 2;
    }
    const config = loadConfig();
    const db = await openDatabase(config, { brief: true });
    try {
      await migrate(db);
      if (values.who) {
        let who: Awaited<ReturnType<typeof cliAudience>>;
        try {
          who = await cliAudience(db, config, values.who, values.channel);
        } catch (e) {
          if (!(e instanceof ScopeUsageError)) throw e;
          console.error(`trajanus access: ${e.message.replace('--as', '--who')}`);
          return 2;
        }
        // What that person may open (in the channel: also what its audience may, within its scope).
        const narrowed = narrowSearch(who.access, undefined, who.scope);
        const scopeCategory = narrowed.filters?.category as string | undefined;
        const r = await db.query<{ category: string; visible: number; total: number }>(
          `SELECT coalesce(category, '(none)') AS category,
                  count(*) FILTER (WHERE access_permits(id, $1::text[]) AND ($2::text IS NULL OR category = $2))::int AS visible,
                  count(*)::int AS total
           FROM documents GROUP BY 1 ORDER BY 1`,
          [sqlScope(narrowed.access), scopeCategory ?? null],
        );
        const visible = r.rows.reduce((s, x) => s + x.visible, 0);
        const total = r.rows.reduce((s, x) => s + x.total, 0);
        const audience = audienceLabel(who);
        if (values.json)
          console.log(
            JSON.stringify({ who: values.who, audience, searched: who.scope.label, visible, total, byCategory: r.rows }, null, 2),
          );
        else {
          console.log(
            `${audience}: may see ${visible} of ${total} document(s)${who.scope.kind === 'all' ? '' : ` (channel scope: ${who.scope.label})`}`,
          );
          for (const x of r.rows) console.log(`  ${x.category.padEnd(24)} ${String(x.visible).padStart(6)} / ${x.total}`);
        }
        return 0;
      }
      const docs = await findDocuments(db, text);
      if (!docs.length) {
        console.error(`trajanus access: no document has the file id or title "${text}"`);
        return 2;
      }
      if (docs.length > 1) {
        console.error(
          `trajanus access: "${text}" matches ${docs.length}${docs.length === 20 ? '+' : ''} documents; give one's file id:\n${docs.map((d) => `  ${d.file_id}  ${d.title}`).join('\n')}`,
        );
        return 2;
      }
      const doc = docs[0];
      const { holders, error } = await whoMayOpen(db, doc);
      if (values.json) {
        console.log(JSON.stringify({ fileId: doc.file_id, title: doc.title, path: doc.file_path, principals: holders, error }, null, 2));
        return 0;
      }
      console.log(`${doc.title}  (${doc.file_id}${doc.file_path ? `, ${doc.file_path}` : ''})`);
      if (error) console.log(`  Its sharing could not be read (${error}): nobody is answered from it.`);
      else if (!holders.length) console.log('  Nobody may open it: the source reported no permissions.');
      for (const h of holders) console.log(describeHolder(h));
      console.log(
        "\nA channel may quote it when every reader holds one of these (public channels: anyone, workspace or a WORKSPACE_DOMAINS domain; a channel's grant counts for its audience, never for the asker).",
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};
export default command;
