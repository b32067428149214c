// `trajanus search "query" [--mode hybrid|dense|lexical] [--category c] [--type t] [-k N] [--json]`:
// runs the product's retrieval and prints the ranked documents, each with how much of the query its
// best chunk matches, that chunk's rank and raw score in each leg, and a snippet of it.
import { parseArgs } from 'node:util';
import { type Command, UsageError } from './types.js';
import { AS_HELP, audienceLabel, cliAudience } from './as-scope.js';
import { narrowSearch, searchedFooter } from '../core/scope/channel-scope.js';
import type { Services } from '../core/services.js';
import { cleanUserText } from '../core/user-text.js';
import type { DocumentHit, SearchOptions } from '../core/search/types.js';
import { runHere } from './resident.js';
import type { CommandOutput } from './resident-client.js';

const USAGE = `trajanus search "query" [--as email [--channel id]] [--mode hybrid|dense|lexical] [--category c] [--type t] [-k N] [--json]

${AS_HELP}
  --mode        hybrid (default), dense (vectors only) or lexical (BM25 only)
  --category c  only documents of this category (top folder); repeatable
  --type t      only documents of this doc_type (procedure, checklist …); repeatable
  -k N          documents to show (default SEARCH_MATCH_COUNT)
  --json        print the result as JSON on stdout
  While \`trajanus start\` runs on the embedded database, it searches (with its configuration).`;

const MODES = ['hybrid', 'dense', 'lexical'] as const;

export function snippet(text: string, max = 220): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}

/**
 * The fused score is scaled to each query's best hit, so the top hit of a nonsense query showed
 * "score 1.000" too. What is shown instead means the same for every query: the share of the
 * query's words (weighted by rarity) the chunk contains, and each leg's raw score (BM25, cosine).
 */
function describeMatch(c: DocumentHit['chunks'][number], mode: SearchOptions['mode']): string {
  const lexical = c.lexicalRank ? `lexical #${c.lexicalRank} (BM25 ${(c.lexicalScore ?? 0).toFixed(2)})` : 'lexical –';
  const dense = c.denseRank ? `dense #${c.denseRank} (cosine ${(c.denseScore ?? 0).toFixed(2)})` : 'dense –';
  // Coverage comes from the lexical leg, which a dense-only search does not run.
  const matched = mode === 'dense' ? '' : `matches ${Math.round(c.coverage * 100)}% of the query  `;
  return `${matched}${lexical}  ${dense}`;
}

export function formatDocuments(docs: DocumentHit[], mode: SearchOptions['mode'] = 'hybrid'): string {
  if (!docs.length) return 'No matching documents.';
  return docs
    .map((d, i) => {
      const best = d.chunks[0];
      const where = [d.category, d.docType].filter(Boolean).join(' / ');
      return [
        `${String(i + 1).padStart(2)}. ${d.title}${best ? `  ${describeMatch(best, mode)}` : ''}`,
        `    ${d.path ?? d.fileId}${where ? `  [${where}]` : ''}`,
        best ? `    ${best.context && !best.content.startsWith(best.context) ? `${best.context}: ` : ''}${snippet(best.content)}` : '',
      ]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n\n');
}

/** A parsed `search`: what the process holding the database needs to run it. */
export interface SearchRequest {
  query: string;
  mode: (typeof MODES)[number];
  k?: number;
  category?: string[];
  type?: string[];
  json: boolean;
  as?: string;
  channel?: string;
}

/** `trajanus search`'s arguments as a request; throws UsageError. The one parser of search, here and in the process that serves it. */
export function parseSearch(args: string[]): SearchRequest {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mode: { type: 'string', default: 'hybrid' },
      category: { type: 'string', multiple: true },
      type: { type: 'string', multiple: true },
      k: { type: 'string', short: 'k' },
      json: { type: 'boolean', default: false },
      as: { type: 'string' },
      channel: { type: 'string' },
    },
  });
  const query = cleanUserText(positionals.join(' '));
  if (!query) throw new UsageError(`give a query\n\n${USAGE}`);
  if (!(MODES as readonly string[]).includes(values.mode!)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}`);
  const k = values.k !== undefined ? Number(values.k) : undefined;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1 && k <= 100)) throw new UsageError('-k must be an integer from 1 to 100');
  return {
    query,
    mode: values.mode as SearchRequest['mode'],
    k,
    category: values.category,
    type: values.type,
    json: values.json!,
    as: values.as,
    channel: values.channel,
  };
}

/** The ranked documents as `trajanus search` prints them, from these services (this process's, or the running bot's). */
export async function runSearch(req: SearchRequest, services: Services): Promise<CommandOutput> {
  const who = await cliAudience(services.db, services.config, req.as, req.channel);
  const narrowed = narrowSearch(who.access, { category: req.category, docType: req.type }, who.scope);
  const opts: SearchOptions = {
    access: narrowed.access,
    mode: req.mode,
    matchCount: req.k,
    filters: narrowed.filters,
    sessionId: 'cli',
  };
  const result = await services.searcher.search(req.query, opts);
  const searched = { label: who.scope.label, inChannel: !!who.scope.channelId };
  if (req.json) {
    const { documents, timings } = result;
    const json = JSON.stringify({ query: req.query, mode: opts.mode, searched, audience: audienceLabel(who), documents, timings }, null, 2);
    return { code: 0, stdout: `${json}\n`, stderr: '' };
  }
  const stdout = [
    formatDocuments(result.documents, opts.mode),
    `\n${searchedFooter(searched)} · as for ${audienceLabel(who)}`,
    `\n${result.documents.length} document(s), ${result.timings.totalMs.toFixed(0)} ms (embed ${result.timings.embedMs.toFixed(0)} ms, search ${result.timings.searchMs.toFixed(0)} ms)`,
  ];
  return { code: 0, stdout: `${stdout.join('\n')}\n`, stderr: '' };
}

const command: Command = {
  usage: USAGE,
  async run(args) {
    return runHere('search', () => parseSearch(args), runSearch);
  },
};
export default command;
