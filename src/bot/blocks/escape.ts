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
  // A label that reads as an address could name another site than the one the link opens
  // ("[https://bank.example](https://evil.example)"): show the real address instead.
  if (looksLikeAddress(label)) return `<${url.replace(/&/g, '&amp;')}>`;
  return `<${url.replace(/&/g, '&amp;')}|${safeLabel}>`;
}

/** "https://…", "www.…", "mailto:…", or a bare host such as "bank.example/login". */
export function looksLikeAddress(label: string): boolean {
  const s = label.trim();
  return /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.|mailto:)/i.test(s) || /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?$/i.test(s);
}

/** Slack's three entities back to characters: text typed in Slack arrives escaped once. */
export function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** True when `link()` would produce a clickable link for this URL. */
export function isLinkable(url: string | null | undefined): url is string {
  return !!url && /^(https?:|mailto:)/i.test(url) && !/[\s<>|]/.test(url);
}
