// Text a person typed (a Slack message, a terminal line, a CLI argument or stdin) on its way in.
// Postgres refuses a NUL byte in text ("invalid byte sequence for encoding UTF8: 0x00"), and other
// control characters (escape sequences pasted from a terminal, form feeds) only add noise to search,
// so every entry point passes what it receives through this one function before using it.

// C0 controls except tab and newline, DEL, and C1 controls. CR is folded into newlines first.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = / *[\u0000-\u0008\u000B-\u001F\u007F-\u009F]+ */g;

/** The text with each run of control characters replaced by one space (so "hot\0work" stays two words), trimmed. */
export function cleanUserText(raw: string): string {
  return raw.replace(/\r\n?/g, '\n').replace(CONTROL, ' ').trim();
}
