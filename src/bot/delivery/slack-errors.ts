// What went wrong talking to Slack, in two forms: a short code for logs and decisions, and a
// sentence a person can act on. Codes are read from the error's fields (not `instanceof`), so
// errors from any copy of @slack/web-api are understood alike.

/** Slack rejected the message itself: sending the same content as plain text may succeed. */
const FORMAT = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'invalid_attachments', 'markdown_text_conflict']);
/** The bot cannot post in that conversation. */
const NO_ACCESS = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'restricted_action',
  'missing_scope',
  'cant_update_message',
  'message_not_found',
  'user_not_in_channel',
]);
/** The token itself is refused: retrying cannot help. */
export const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'not_allowed_token_type',
]);

export interface SlackProblem {
  /** e.g. `invalid_blocks`, `not_in_channel`, `http_503`, `rate_limited`, `timeout`, `network`. */
  code: string;
  /** A 5xx, a timeout, a network error or a rate limit: the same call may succeed later. */
  transient: boolean;
  /** Slack rejected the content (blocks, length): plain text may go through. */
  format: boolean;
}

export function slackProblem(err: unknown): SlackProblem {
  const e = err as
    | { code?: string; data?: { error?: string }; statusCode?: number; original?: Error; message?: string; name?: string }
    | undefined;
  let code = 'unknown';
  if (e?.code === 'slack_webapi_platform_error' && e.data?.error) code = e.data.error;
  else if (e?.code === 'slack_webapi_http_error') code = e.statusCode === 429 ? 'rate_limited' : `http_${e.statusCode}`;
  else if (e?.code === 'slack_webapi_rate_limited_error') code = 'rate_limited';
  else if (e?.code === 'slack_webapi_request_error') {
    // The WebClient wraps its own "rate limit was exceeded" retry signal as a request error when it gives up.
    const inner = `${e.original?.name} ${e.original?.message}`;
    code = /rate limit was exceeded/i.test(inner) ? 'rate_limited' : /timeout|aborted/i.test(inner) ? 'timeout' : 'network';
  }
  // After its retries, the WebClient gives up on a 429 with a plain Error.
  else if (/rate limit was exceeded/i.test(e?.message ?? '')) code = 'rate_limited';
  else if (e?.data?.error) code = e.data.error;
  // response_url posts (Bolt's respond, through axios) fail with the HTTP status, or a network code.
  else if ((e as { response?: { status?: number } })?.response?.status)
    code = `http_${(e as { response: { status: number } }).response.status}`;
  else if ((e as { isAxiosError?: boolean })?.isAxiosError) code = /timeout/i.test(e?.message ?? '') ? 'timeout' : 'network';
  const transient =
    code === 'rate_limited' ||
    code === 'ratelimited' ||
    code === 'timeout' ||
    code === 'network' ||
    /^http_5\d\d$/.test(code) ||
    code === 'internal_error' ||
    code === 'fatal_error' ||
    code === 'service_unavailable' ||
    code === 'request_timeout';
  return { code, transient, format: FORMAT.has(code) };
}

/** One sentence for the asker: what went wrong, without internals. */
export function explainProblem(p: SlackProblem): string {
  if (p.format) return 'Slack refused the formatted message';
  if (NO_ACCESS.has(p.code)) return `I can't post in this conversation (Slack said \`${p.code}\`) — invite me with \`/invite @Trajanus\``;
  if (p.code === 'rate_limited' || p.code === 'ratelimited') return 'Slack is limiting how fast I can post right now';
  if (/^http_5\d\d$/.test(p.code) || p.code === 'internal_error' || p.code === 'fatal_error' || p.code === 'service_unavailable')
    return `Slack's servers returned an error (${p.code.replace('http_', 'HTTP ')})`;
  if (p.code === 'timeout' || p.code === 'request_timeout') return 'Slack did not answer in time';
  if (p.code === 'network') return 'I could not reach Slack';
  return `Slack refused the message (\`${p.code}\`)`;
}
