import { pino, type Logger } from 'pino';

// Secrets must never reach logs: tokens, keys and connection strings are redacted wherever they appear.
export const REDACT_PATHS = [
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.DATABASE_URL',
  '*.OPENAI_API_KEY',
  '*.ANTHROPIC_API_KEY',
  '*.RERANK_API_KEY',
  '*.SLACK_BOT_TOKEN',
  '*.SLACK_APP_TOKEN',
  '*.SLACK_SIGNING_SECRET',
  '*.GOOGLE_SERVICE_ACCOUNT_JSON',
  '*.GOOGLE_OAUTH_CLIENT_SECRET',
  '*.GOOGLE_OAUTH_REFRESH_TOKEN',
  '*.private_key',
  '*.connectionString',
];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  // Logs go to stderr so `trajanus ask --json` and the terminal chat keep stdout for their output.
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'trajanus' } },
    destination ?? pino.destination(2),
  );
}

/** Where logs go when LOG_FILE (or the terminal chat) names a file; synchronous, so nothing is lost at exit. */
export function fileDestination(file: string): pino.DestinationStream {
  return pino.destination({ dest: file, mkdir: true, sync: true });
}

/** The logger configuration asks for: LOG_LEVEL, and LOG_FILE (or `defaultFile`) instead of stderr. */
export function loggerFromConfig(config: { LOG_LEVEL: string; LOG_FILE?: string }, defaultFile?: string): Logger {
  const file = config.LOG_FILE ?? defaultFile;
  return createLogger(config.LOG_LEVEL, file ? fileDestination(file) : undefined);
}

/** Strips credentials from a connection string before it is shown anywhere. */
export function redactUrl(u: string): string {
  try {
    const parsed = new URL(u);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}

export type { Logger };
