// The one place configuration is read. Everything else receives the parsed object
// (or the slice it needs), so a bad value fails at start, naming the variable.
import cron from 'node-cron';
import { z } from 'zod';
import { DEFAULT_DATA_DIR, readEnvironment } from './data-dir.js';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);

/** File types with their own size limit; `other` covers every other readable type. */
export const SIZE_LIMIT_TYPES = ['text', 'html', 'pdf', 'docx', 'other'] as const;
// Text is chunked as it is read, so it may be large; HTML and DOCX are converted whole in memory.
const DEFAULT_SIZE_LIMITS = 'text=64,html=16,pdf=100,docx=50,other=50';
const sizeLimits = z.string().transform((v, ctx) => {
  const limits: Record<string, number> = Object.fromEntries(
    DEFAULT_SIZE_LIMITS.split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]),
  );
  for (const part of v
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+)\s*=\s*(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || !(SIZE_LIMIT_TYPES as readonly string[]).includes(m[1]) || Number(m[2]) <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not type=MB with type one of ${SIZE_LIMIT_TYPES.join(', ')} and MB > 0` });
      return z.NEVER;
    }
    limits[m[1]] = Number(m[2]);
  }
  return limits as Record<(typeof SIZE_LIMIT_TYPES)[number], number>;
});
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const url = z.string().url();
/** A cron expression, or "off" to disable the job: checked here, by the parser that will run it, so `trajanus config` catches it. */
const cronSchedule = z.string().superRefine((v, ctx) => {
  if (v === 'off') return;
  const r = cron.validateDetailed(v);
  if (!r.valid) ctx.addIssue({ code: 'custom', message: `"${v}" is not a cron expression (${r.errors.map((e) => e.message).join('; ')})` });
});
/** An IANA zone name as the runtime's Intl knows it (node-cron computes schedule times with Intl). */
const timeZone = z.string().superRefine((v, ctx) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `"${v}" is not a known time zone (an IANA name such as UTC, Europe/London or America/New_York)`,
    });
  }
});

/** The current Sonnet in @anthropic-ai/sdk 1.12.0; its SDK warns that claude-sonnet-4-5, the default before, retires 2026-11-30. */
export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-5-5';

/**
 * Every variable the product reads. Names are the environment names; README's table is
 * generated from the `describe()` texts below (`npx trajanus config --markdown`).
 */
export const envSchema = z.object({
  // ── storage
  TRAJANUS_DATA_DIR: z
    .string()
    .default(DEFAULT_DATA_DIR)
    .describe('Folder of the embedded database (PGlite), used when DATABASE_URL is unset'),
  DATABASE_URL: url.optional().describe('Postgres ≥ 15 with pgvector (e.g. Supabase). Unset: embedded PGlite'),
  DATABASE_POOL_SIZE: int(1, 200).default(10).describe('Max connections in the pg pool'),
  DATABASE_SSL: z
    .enum(['disable', 'require', 'no-verify'])
    .default('disable')
    .describe('TLS to Postgres: disable | require (verify certificate) | no-verify'),
  DATABASE_STATEMENT_TIMEOUT_MS: int(100)
    .default(30000)
    .describe(
      'statement_timeout for every pooled connection (migrations run without it: upgrading a big database rewrites tables for minutes)',
    ),
  // ── logging
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  LOG_FILE: z
    .string()
    .optional()
    .describe(
      'Append logs (JSON lines) to this file instead of stderr. The interactive terminal chat always logs to a file, this one or ./trajanus.log, so that no log line prints over its prompt',
    ),
  // ── embeddings
  EMBEDDING_PROVIDER: z
    .enum(['local', 'openai'])
    .optional()
    .describe(
      'local (offline USE-lite, 512-d) | openai (OpenAI or any compatible endpoint). Default: openai when OPENAI_API_KEY is set, else local',
    ),
  EMBEDDING_MODEL: z.string().default('text-embedding-3-small').describe('Embedding model for the openai provider'),
  EMBEDDING_DIMENSIONS: int(1, 16000)
    .optional()
    .describe('Vector size for the openai provider (default: the model’s own, 1536 for text-embedding-3-small)'),
  EMBEDDING_THREADS: int(1, 64)
    .optional()
    .describe(
      'Worker threads of the local embedder (default: one per core, at most 4, started as batches need them; `ask` and `search` start one as they start, to load the model beside the database; 1 = in-process)',
    ),
  EMBEDDING_BASE_URL: url.optional().describe('OpenAI-compatible embeddings endpoint (Ollama, vLLM, LM Studio). Default: OPENAI_BASE_URL'),
  OPENAI_API_KEY: z.string().min(1).optional().describe('OpenAI key (embeddings, and chat when ANSWER_PROVIDER=openai)'),
  OPENAI_BASE_URL: url.optional().describe('Base URL of the OpenAI API or a compatible server'),
  // ── answers
  ANSWER_PROVIDER: z
    .enum(['composer', 'claude', 'openai'])
    .optional()
    .describe(
      'composer (offline, quotes and cites) | claude | openai (OpenAI-compatible chat). Default: claude when ANTHROPIC_API_KEY is set, else composer',
    ),
  ANTHROPIC_API_KEY: z.string().min(1).optional().describe('Anthropic key for Claude answers'),
  ANTHROPIC_BASE_URL: url.optional().describe('Base URL of the Anthropic API (tests point it at a local server)'),
  CLAUDE_MODEL: z
    .string()
    .default(DEFAULT_CLAUDE_MODEL)
    .describe('Claude model for answers (start warns when Anthropic lists it as deprecated or retired)'),
  CHAT_MODEL: z.string().default('gpt-4o-mini').describe('Chat model for ANSWER_PROVIDER=openai'),
  CHAT_BASE_URL: url.optional().describe('OpenAI-compatible chat endpoint. Default: OPENAI_BASE_URL'),
  ANSWER_MAX_TOKENS: int(64, 32000).default(1024).describe('Max tokens of a model answer'),
  ANSWER_TEMPERATURE: num(0, 2)
    .default(0.2)
    .describe('Sampling temperature of an OpenAI-compatible chat answer (the current Claude Messages API takes none)'),
  ANSWER_TIMEOUT_MS: int(1000).default(30000).describe('Timeout of one model call; on timeout the offline composer answers'),
  ANSWER_MIN_CONFIDENCE: num(0, 1)
    .default(0.3)
    .describe('Below this retrieval confidence the bot says the documents do not cover the question'),
  // ── retrieval
  SEARCH_FUSION: z.enum(['rrf', 'weighted']).default('weighted').describe('How dense and lexical results are fused'),
  SEARCH_DENSE_WEIGHT: num(0, 1)
    .default(0.1)
    .describe(
      'Weight of the dense leg in fusion (lexical gets 1 − this). 0.1 is measured for the offline embedder; re-tune with `npm run eval -- --dense-weight …` for another',
    ),
  SEARCH_RRF_K: int(1).default(60).describe('k of reciprocal-rank fusion'),
  SEARCH_EF_SEARCH: int(10, 1000).default(100).describe('hnsw.ef_search for the vector leg'),
  SEARCH_CANDIDATES: int(10, 2000).default(100).describe('Candidates fetched per leg before fusion'),
  SEARCH_MATCH_COUNT: int(1, 50).default(6).describe('Documents given to the answer step'),
  RERANK_URL: url
    .optional()
    .describe(
      'Rerank endpoint (Cohere, Jina, Infinity, vLLM or TEI style /rerank) that re-scores the fused top passages. Unset: no reranking',
    ),
  RERANK_MODEL: z.string().min(1).optional().describe('Model name sent to the rerank endpoint'),
  RERANK_API_KEY: z.string().min(1).optional().describe('Bearer key of the rerank endpoint'),
  RERANK_CANDIDATES: int(2, 200).default(30).describe('Fused passages sent to the reranker'),
  RERANK_TIMEOUT_MS: int(100, 120000).default(10000).describe('Timeout of one rerank call; on failure the fused order is kept'),
  // ── ingestion
  KNOWLEDGE_DIR: z
    .string()
    .default('./samples/knowledge-base')
    .describe(
      'Local knowledge folder (without Drive): indexed at the first start and kept in sync at each start, unless another folder was ingested by hand; the default of `trajanus ingest`',
    ),
  INGEST_IGNORE: list
    .default(['.git', 'node_modules', '.DS_Store', '*.tmp', '~$*'])
    .describe('Comma-separated globs the folder source skips'),
  INGEST_MAX_FILE_MB: sizeLimits
    .prefault(DEFAULT_SIZE_LIMITS)
    .describe(
      `Largest file indexed, in MB, per type (${SIZE_LIMIT_TYPES.join(', ')}); a larger one is skipped with the reason. Give only the types to change, e.g. \`text=200\``,
    ),
  CHUNK_TOKENS: int(32, 8000).optional().describe('Chunk size in tokens (default: what the embedder handles well)'),
  CHUNK_OVERLAP: int(0, 2000).optional().describe('Overlap between chunks in tokens (default: 15% of the chunk size)'),
  OCR_ENABLED: bool.default(true).describe('Read scanned PDF pages (pages without a text layer) with OCR (tesseract.js, English, offline)'),
  OCR_IMAGES: bool.default(false).describe('Also index PNG/JPEG files (whiteboards, site notices) by OCR'),
  OCR_MAX_PAGES: int(0, 10000).default(50).describe('Pages OCR may read per document; later scanned pages are recorded as not read'),
  OCR_TIME_BUDGET_MS: int(1000).default(120000).describe('OCR time per document; pages not reached in time are recorded as not read'),
  OCR_DPI: int(72, 600).default(200).describe('Resolution scanned pages are rendered at for OCR'),
  GOOGLE_SERVICE_ACCOUNT_JSON: z.string().optional().describe('Service-account key: the JSON itself or a path to it'),
  GOOGLE_OAUTH_CLIENT_ID: z.string().optional().describe('OAuth client id (alternative to a service account)'),
  GOOGLE_OAUTH_CLIENT_SECRET: z.string().optional().describe('OAuth client secret'),
  GOOGLE_OAUTH_REFRESH_TOKEN: z.string().optional().describe('OAuth refresh token'),
  DRIVE_FOLDER_IDS: list.default([]).describe('Comma-separated Drive folder ids to sync (recursively)'),
  DRIVE_SHARED_DRIVE_IDS: list.default([]).describe('Comma-separated shared drive ids to sync whole'),
  GOOGLE_DIRECTORY_SUBJECT: z
    .string()
    .email()
    .optional()
    .describe(
      'Admin the service account impersonates (domain-wide delegation) to read Google group members; without it, documents shared only with a group are visible to nobody',
    ),
  GOOGLE_DIRECTORY_ROOT_URL: url.optional().describe('Directory API root URL (tests point it at a local server)'),
  DRIVE_ROOT_URL: url.optional().describe('Drive API root URL (tests point it at a local server)'),
  // ── Slack
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-').optional().describe('Bot token (xoxb-…). Unset: terminal chat'),
  SLACK_SIGNING_SECRET: z.string().min(1).optional().describe('Signing secret; required for HTTP mode'),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-').optional().describe('App-level token (xapp-…): enables Socket Mode'),
  SLACK_API_URL: url.optional().describe('Slack Web API base URL (tests point it at a local server)'),
  SLACK_OPS_CHANNEL: z.string().optional().describe('Channel id for job failures and health reports'),
  SLACK_ANSWER_VISIBILITY: z
    .enum(['thread', 'ephemeral'])
    .default('thread')
    .describe('/trajanus answers in a channel thread, or only to the asker'),
  SLACK_API_TIMEOUT_MS: int(100)
    .default(10000)
    .describe('How long one Slack Web API call may take before it counts as failed (the answer then goes by the next route)'),
  SLACK_START_ATTEMPTS: int(1, 100)
    .default(6)
    .describe(
      'auth.test attempts at start while Slack cannot be reached (backoff from 1 s, doubling, at most 30 s); a refused token stops at once',
    ),
  SLACK_EDIT_WINDOW_HOURS: num(0, 720)
    .default(24)
    .describe('An edited question is answered again, in place, within this many hours of its answer (0: edits are ignored)'),
  SLACK_STREAMING: z
    .enum(['auto', 'update', 'off'])
    .default('auto')
    .describe(
      "How a model's answer is shown while it is written: auto (Slack's streaming API where the workspace has it, else chat.update), update (chat.update only), off (the final answer only)",
    ),
  SLACK_STREAM_INTERVAL_MS: int(200, 60000)
    .default(1000)
    .describe('Least time between two updates of a streamed draft (the final, checked answer always replaces it)'),
  SLACK_USER_QUESTIONS_PER_MINUTE: int(0)
    .default(20)
    .describe('Questions one person may ask per minute before being asked to wait (0: no limit)'),
  SLACK_WORKSPACE_QUESTIONS_PER_MINUTE: int(0)
    .default(300)
    .describe('Questions one workspace may ask per minute before people are asked to wait (0: no limit)'),
  SLACK_ADMIN_USER_IDS: list
    .default([])
    .describe('Comma-separated Slack user ids allowed to grant a channel access (`/trajanus access grant`)'),
  // ── access
  WORKSPACE_DOMAINS: list
    .default([])
    .describe(
      'Comma-separated email domains of the team: a Drive share with one of them is visible to the whole Slack workspace (public channels)',
    ),
  ACCESS_PRIVATE_CHANNEL_MAX_MEMBERS: int(1, 10000)
    .default(100)
    .describe('A private channel with more members than this is answered as a public channel (only workspace-wide documents)'),
  ACCESS_IDENTITY_TTL_SECONDS: int(10)
    .default(900)
    .describe('How long Slack emails and channel members are cached (member joins and leaves refresh at once)'),
  PORT: int(0, 65535).default(3000).describe('HTTP port: Slack events (HTTP mode), /healthz, /metrics'),
  // ── jobs
  JOBS_TIMEZONE: timeZone.default('UTC').describe('Timezone of the job schedules'),
  JOB_DRIVE_REINGEST_CRON: cronSchedule.default('0 * * * *').describe('drive-reingest schedule, or "off"'),
  JOB_BACKUP_CRON: cronSchedule.default('30 2 * * *').describe('backup schedule, or "off"'),
  JOB_CACHE_EVICT_CRON: cronSchedule.default('0 4 * * *').describe('cache-evict schedule, or "off"'),
  JOB_HEALTH_REPORT_CRON: cronSchedule.default('0 8 * * *').describe('health-report schedule, or "off"'),
  JOB_SHUTDOWN_GRACE_MS: int(0).default(60000).describe('On SIGTERM, how long a running job may finish'),
  BACKUP_DIR: z.string().default('./backups').describe('Where backups are written'),
  BACKUP_RETENTION_DAYS: int(1).default(30).describe('Backups older than this are deleted'),
  PG_DUMP_PATH: z.string().default('pg_dump').describe('pg_dump binary (must be ≥ the server’s major version)'),
  PG_RESTORE_PATH: z.string().default('pg_restore').describe('pg_restore binary'),
  CACHE_EVICT_DAYS: int(1).default(90).describe('Cache entries not used for this many days are evicted'),
  CACHE_MAX_ROWS: int(1000).default(500000).describe('Cache is trimmed to this many rows, least recently used first'),
  HEALTH_P95_WARN_MS: int(1).default(8000).describe('Health report warns when answer p95 exceeds this'),
  HEALTH_BACKUP_WARN_HOURS: int(1).default(26).describe('Health report warns when the last backup is older than this'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  /** Resolved defaults that depend on other variables. */
  embeddingProvider: 'local' | 'openai';
  answerProvider: 'composer' | 'claude' | 'openai';
  slackMode: 'socket' | 'http' | 'terminal';
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(raw: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const name = String(i.path[0] ?? '(environment)');
        const desc = (envSchema.shape as Record<string, z.ZodType>)[name]?.description;
        return `${name}: ${i.message}${desc ? ` — expected: ${desc}` : ''}`;
      }),
    );
  }
  const env = result.data;
  const problems: string[] = [];
  const embeddingProvider = env.EMBEDDING_PROVIDER ?? (env.OPENAI_API_KEY ? 'openai' : 'local');
  const answerProvider = env.ANSWER_PROVIDER ?? (env.ANTHROPIC_API_KEY ? 'claude' : 'composer');
  if (embeddingProvider === 'openai' && !env.OPENAI_API_KEY && !env.EMBEDDING_BASE_URL && !env.OPENAI_BASE_URL)
    problems.push('OPENAI_API_KEY: required when EMBEDDING_PROVIDER=openai (or set EMBEDDING_BASE_URL for a keyless compatible server)');
  if (answerProvider === 'claude' && !env.ANTHROPIC_API_KEY) problems.push('ANTHROPIC_API_KEY: required when ANSWER_PROVIDER=claude');
  if (answerProvider === 'openai' && !env.OPENAI_API_KEY && !env.CHAT_BASE_URL && !env.OPENAI_BASE_URL)
    problems.push('OPENAI_API_KEY: required when ANSWER_PROVIDER=openai (or set CHAT_BASE_URL for a keyless compatible server)');
  let slackMode: Config['slackMode'] = 'terminal';
  if (env.SLACK_BOT_TOKEN) {
    if (env.SLACK_APP_TOKEN) slackMode = 'socket';
    else if (env.SLACK_SIGNING_SECRET) slackMode = 'http';
    else problems.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN unless SLACK_APP_TOKEN enables Socket Mode');
  }
  if (env.CHUNK_TOKENS && env.CHUNK_OVERLAP !== undefined && env.CHUNK_OVERLAP >= env.CHUNK_TOKENS)
    problems.push(`CHUNK_OVERLAP: must be smaller than CHUNK_TOKENS (${env.CHUNK_TOKENS})`);
  if (problems.length) throw new ConfigError(problems);
  return { ...env, embeddingProvider, answerProvider, slackMode };
}

/** Parse once, at start. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(readEnvironment(env));
}

/** The configuration table for README, straight from the schema so the two cannot drift. */
export function configMarkdownTable(): string {
  const rows = Object.entries(envSchema.shape).map(([name, schema]) => {
    const s = schema as z.ZodType & { _def?: { defaultValue?: unknown } };
    let def = '';
    try {
      const v = (s as z.ZodType).safeParse(undefined);
      if (v.success && v.data !== undefined)
        def = Array.isArray(v.data)
          ? v.data.join(',')
          : typeof v.data === 'object' && v.data !== null
            ? Object.entries(v.data)
                .map(([k, x]) => `${k}=${x}`)
                .join(',')
            : String(v.data);
    } catch {
      /* no default */
    }
    return `| \`${name}\` | ${def ? `\`${def}\`` : '—'} | ${s.description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
