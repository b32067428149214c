// Telling a lost database connection (a server restart, a failover, a network cut) from an error in
// a statement: the first ends the run that was using the connection, the second may only fail one
// document. Either way the pool opens fresh connections once the server is back.

/** SQLSTATE class 08 (connection exception) and the shutdown codes a restarting server sends. */
const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const LOST_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);
const LOST_MESSAGES = [
  /connection terminated/i,
  /connection is not queryable/i,
  /client was closed/i,
  /terminating connection/i,
  /the database system is (starting up|shutting down)/i,
];

export function isConnectionLost(e: unknown): boolean {
  for (
    let err = e as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    err && depth < 4;
    err = err.cause as typeof err, depth++
  ) {
    if (err instanceof ConnectionLostError) return true;
    const code = typeof err.code === 'string' ? err.code : '';
    if (code.startsWith('08') || LOST_SQLSTATES.has(code) || LOST_ERRNOS.has(code)) return true;
    if (typeof err.message === 'string' && LOST_MESSAGES.some((re) => re.test(err!.message as string))) return true;
  }
  return false;
}

/** The connection that held a session (and its advisory lock) is gone: whatever ran under the lock must stop. */
export class ConnectionLostError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    const detail = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`lost the database connection holding ${what}${detail}`, options);
    this.name = 'ConnectionLostError';
  }
}
