// Bolt (and its WebClient) log through this adapter into our pino logger, so secrets are redacted
// and the level is the one LOG_LEVEL sets.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../core/log.js';

const toBolt: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

export function boltLogger(base: Logger): BoltLogger {
  let log = base.child({ component: 'bolt' });
  let level = toBolt[base.level] ?? LogLevel.INFO;
  const write =
    (fn: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) => {
      // Bolt debug-logs whole payloads: do not format what will not be written.
      if (!log.isLevelEnabled(fn)) return;
      const err = msg.find((m) => m instanceof Error);
      const text = msg
        .filter((m) => m !== err)
        .map((m) => (typeof m === 'string' ? m : JSON.stringify(m)))
        .join(' ');
      if (err) log[fn]({ err }, text || (err as Error).message);
      else log[fn](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    // pino's level (LOG_LEVEL) decides what is written; Bolt's own setting is only remembered.
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: (name: string) => void (log = base.child({ component: name })),
  };
}
