// Slack mrkdwn treats `<…>` as control sequences: `<!channel>`, `<!here>`, `<@U123>`, `<#C1>`,
// `<url|label>`. Text that comes from documents, answers or users must never be able to ping a
// channel or forge a link, so, as Slack's "Escaping text" rules require, the three characters
// `&`, `<` and `>` are replaced by HTML entities (and nothing else is). Our own links are built
// *after* escaping with `link()`, whose parts are escaped too.

/** Escapes `&`, `<`, `>` for mrkdwn and plain_text fields. `&` first, so entities are not double-read. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A mrkdwn link `<url|label>`. The label is escaped and `|` in it would end the URL part early,
 * so it is replaced; the URL must be http(s) or mailto, otherwise the escaped label alone is
 * returned: a document cannot turn its "url" into `<!channel>`, and a server-side file:// link
 * (useless in a reader's Slack) is not offered.
 */
export function link(url: string | null | undefined, label: string): string {
  const safeLabel = escapeMrkdwn(label).replace(/\|/g, '¦');
  if (!isLinkable(url)) return safeLabel;
  return `<${url.replace(/&/g, '&amp;')}|${safeLabel}>`;
}

/** True when `link()` would produce a clickable link for this URL. */
export function isLinkable(url: string | null | undefined): url is string {
  return !!url && /^(https?:|mailto:)/i.test(url) && !/[\s<>|]/.test(url);
}
