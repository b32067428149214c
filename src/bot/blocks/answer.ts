// Renders an Answer as Block Kit: the answer in mrkdwn (split into sections under Slack's limits),
// the numbered sources, the note, and 👍/👎 buttons carrying the query id.
// Every piece of text from documents or the model is escaped (escape.ts); links are built after.
import type { Answer, AnswerSource } from '../../core/answer/types.js';
import { searchedFooter } from '../../core/scope/channel-scope.js';
import { escapeMrkdwn, isLinkable, link, looksLikeAddress } from './escape.js';
import { mrkdwnToPlain, stripEmphasis } from './text.js';
import { LIMITS, type Block } from './types.js';

export const FEEDBACK_UP = 'feedback_up';
export const FEEDBACK_DOWN = 'feedback_down';
export const FEEDBACK_BLOCK_ID = 'feedback';

const MD_LINK = /\[([^\]\n]+)\]\((\S+?)\)/g;
/** Private-use characters standing for a finished link while the text around it is styled. */
const LINK_OPEN = '\uE000';
const LINK_CLOSE = '\uE001';

/**
 * Inline markdown (already split from code) → mrkdwn, escaping everything that is not our link.
 * Links are swapped for placeholders first, so bold or italics around a link (`**[a](u)**`) are
 * converted like any other span.
 */
function inline(text: string): string {
  const links: string[] = [];
  let out = '';
  let last = 0;
  for (const m of text.matchAll(MD_LINK)) {
    out += escapeMrkdwn(text.slice(last, m.index));
    links.push(link(m[2], m[1]));
    out += `${LINK_OPEN}${links.length - 1}${LINK_CLOSE}`;
    last = m.index! + m[0].length;
  }
  out += escapeMrkdwn(text.slice(last));
  return inlineStyles(out).replace(new RegExp(`${LINK_OPEN}(\\d+)${LINK_CLOSE}`, 'g'), (_m, i: string) => links[Number(i)]);
}

function inlineStyles(s: string): string {
  const BOLD = '\u0001';
  return s
    .replace(/\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*/g, `${BOLD}_$1_${BOLD}`)
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, `${BOLD}$1${BOLD}`)
    .replace(/__(?=\S)(.+?)(?<=\S)__/g, `${BOLD}$1${BOLD}`)
    .replace(/(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])/g, '_$1_')
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '~$1~')
    .replaceAll(BOLD, '*');
}

/** Inline code spans keep their content, escaped, without style conversion inside. */
function inlineLine(line: string): string {
  return line
    .split(/(`[^`\n]+`)/)
    .map((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 1 ? escapeMrkdwn(part) : inline(part)))
    .join('');
}

const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** A cell's text without markdown: links as "label (url)", emphasis and code marks dropped. */
function plainCell(cell: string): string {
  return cell
    .replace(MD_LINK, (_m, label: string, url: string) => (looksLikeAddress(label) ? url : `${label} (${url})`))
    .replace(/(\*\*\*|\*\*|__|~~|`)/g, '')
    .trim();
}

/** A Markdown table → an aligned code block (Slack has no tables), escaped. */
function tableBlock(rows: string[]): string[] {
  const cells = rows
    .filter((r) => !TABLE_RULE.test(r))
    .map((r) =>
      r
        .trim()
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split(/(?<!\\)\|/)
        .map((c) => plainCell(c.replace(/\\\|/g, '|'))),
    );
  const cols = Math.max(...cells.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) =>
    widths
      .map((w, i) => (r[i] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  const out = cells.map(line);
  if (out.length > 1) out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return ['```', ...out.map((l) => escapeMrkdwn(l)), '```'];
}

/** Converts the answerer's markdown to Slack mrkdwn: bold, italics, headings, bullets, quotes, tables, links, code. */
export function markdownToMrkdwn(md: string): string {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      out.push('```');
      continue;
    }
    if (inFence) {
      out.push(escapeMrkdwn(line));
      continue;
    }
    if (TABLE_ROW.test(line) && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1])) {
      const rows: string[] = [];
      while (i < lines.length && (TABLE_ROW.test(lines[i]) || TABLE_RULE.test(lines[i]))) rows.push(lines[i++]);
      i--;
      out.push(...tableBlock(rows));
      continue;
    }
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const inner = inline(heading[1])
        .replace(/^\*(.*)\*$/, '$1')
        .replace(/\*/g, '');
      out.push(inner ? `*${inner}*` : '');
      continue;
    }
    // A quote keeps Slack's own `>` (the only `>` left unescaped).
    const quote = /^\s{0,3}>\s?(.*)$/.exec(line);
    if (quote) {
      out.push(`>${inlineLine(quote[1])}`);
      continue;
    }
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    if (bullet) {
      out.push(`${' '.repeat(Math.min(bullet[1].length, 8))}• ${inlineLine(bullet[2])}`);
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push('');
      continue;
    }
    out.push(inlineLine(line));
  }
  if (inFence) out.push('```');
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Markdown → plain text (notifications, `text` fallbacks): no style marks, links as "label (url)". */
export function markdownToPlain(md: string): string {
  return stripEmphasis(mrkdwnToPlain(markdownToMrkdwn(md)))
    .replace(/```\n?/g, '')
    .replace(/`/g, '')
    .replace(/^>/gm, '');
}

/**
 * Splits mrkdwn into pieces of at most `max` characters: at paragraph breaks, then line breaks,
 * then spaces; never inside `<…>` or an `&…;` entity; a code fence cut in two is closed and reopened.
 */
export function splitMrkdwn(text: string, max: number = LIMITS.sectionText): string[] {
  const pieces: string[] = [];
  let rest = text;
  const budget = max - 8; // room to close and reopen a code fence
  while (rest.length > max) {
    let cut = -1;
    for (const sep of ['\n\n', '\n', ' ']) {
      let at = rest.lastIndexOf(sep, budget);
      while (at > 0 && insideToken(rest, at)) at = rest.lastIndexOf(sep, at - 1);
      if (at > budget / 2) {
        cut = at;
        break;
      }
    }
    if (cut <= 0) {
      cut = budget;
      while (cut > 0 && insideToken(rest, cut)) cut--;
      if (cut <= 0) cut = budget;
    }
    let head = rest.slice(0, cut).trimEnd();
    let tail = rest.slice(cut).replace(/^\s+/, '');
    if ((head.match(/```/g)?.length ?? 0) % 2 === 1) {
      head += '\n```';
      tail = '```\n' + tail;
    }
    pieces.push(head);
    rest = tail;
  }
  if (rest.trim()) pieces.push(rest);
  return pieces;
}

/** True when position `i` falls inside a `<…>` link or an `&…;` entity. */
function insideToken(s: string, i: number): boolean {
  const open = s.lastIndexOf('<', i - 1);
  if (open !== -1 && open > s.lastIndexOf('>', i - 1)) return true;
  const amp = s.lastIndexOf('&', i - 1);
  return amp !== -1 && i - amp < 6 && !s.slice(amp, i).includes(';') && /^&[a-z]*$/.test(s.slice(amp, i));
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** `<url|title>`, or, without a usable link, the title and the file path as text. */
export function sourceRef(s: AnswerSource): string {
  const title = s.title || s.path || s.documentId;
  if (isLinkable(s.url)) return link(s.url, title);
  return s.path && s.path !== title ? `${escapeMrkdwn(title)} — \`${escapeMrkdwn(s.path).replace(/`/g, "'")}\`` : escapeMrkdwn(title);
}

/** `, p. 14 — Rev D, 2026-10-02; an earlier Rev C also exists · as of 2026-10-02`, escaped. */
function sourcePlaceText(s: AnswerSource): string {
  const parts = [
    s.location ? `, ${escapeMrkdwn(s.location)}` : '',
    s.revisionNote ? ` — ${escapeMrkdwn(s.revisionNote)}` : '',
    s.asOf ? ` · as of ${escapeMrkdwn(s.asOf)}` : '',
  ];
  return parts.join('');
}

/** `[n] <url|title>, p. 14 · as of 2026-10-02` (or `[n] title — path`). */
export function sourceLine(s: AnswerSource): string {
  return `[${s.n}] ${sourceRef(s)}${sourcePlaceText(s)}`;
}

/** Packs lines into at most 10 context elements of at most 3000 characters. */
function contextBlock(lines: string[]): Block | null {
  const elements: string[] = [];
  for (const line of lines) {
    const piece = line.length > LIMITS.sectionText ? line.slice(0, LIMITS.sectionText - 1) + '…' : line;
    const lastIdx = elements.length - 1;
    if (lastIdx >= 0 && elements[lastIdx].length + 1 + piece.length <= LIMITS.sectionText) elements[lastIdx] += '\n' + piece;
    else if (elements.length < LIMITS.contextElements) elements.push(piece);
  }
  if (!elements.length) return null;
  return { type: 'context', elements: elements.map((text) => ({ type: 'mrkdwn', text })) };
}

export function feedbackBlock(queryId: string): Block {
  return {
    type: 'actions',
    block_id: FEEDBACK_BLOCK_ID,
    elements: [
      { type: 'button', action_id: FEEDBACK_UP, text: { type: 'plain_text', text: '👍 Helpful', emoji: true }, value: queryId },
      { type: 'button', action_id: FEEDBACK_DOWN, text: { type: 'plain_text', text: '👎 Not helpful', emoji: true }, value: queryId },
    ],
  };
}

function snippet(s: string, max = 160): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1).trimEnd() + '…' : flat;
}

export interface RenderedMessage {
  blocks: Block[];
  /** Notification / fallback text (also mrkdwn-escaped). */
  text: string;
}

/** Blocks for one answer: body sections, sources, note, feedback buttons; at most 50 blocks. */
export function answerBlocks(answer: Answer, opts: { question?: string; feedback?: boolean } = {}): RenderedMessage {
  const tail: Block[] = [];
  const sources = answer.sources ?? [];
  let bodyMd: string;
  if (answer.noAnswer) {
    const lead = answer.answer?.trim() ? markdownToMrkdwn(answer.answer) : 'The documents do not seem to cover this.';
    bodyMd = `:mag: *Not found in the documents.*\n${lead}`;
    if (sources.length) {
      const closest = sources.map((s) => `• ${sourceRef(s)}${s.snippet ? ` — ${escapeMrkdwn(snippet(s.snippet))}` : ''}`);
      bodyMd += `\n\n*Closest documents:*\n${closest.join('\n')}`;
    }
  } else {
    bodyMd = markdownToMrkdwn(answer.answer ?? '') || '_(empty answer)_';
    const ctx = contextBlock(['*Sources*', ...sources.map(sourceLine)]);
    if (sources.length && ctx) tail.push(ctx);
  }
  if (answer.note)
    tail.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `:information_source: ${escapeMrkdwn(answer.note).slice(0, LIMITS.sectionText - 30)}` }],
    });
  if (answer.searched) tail.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(searchedFooter(answer.searched)) }] });
  if (answer.queryId && opts.feedback !== false) tail.push(feedbackBlock(answer.queryId));

  const room = LIMITS.messageBlocks - tail.length;
  let body = splitMrkdwn(bodyMd).map(section);
  if (body.length > room) {
    body = body.slice(0, room);
    const lastText = (body[room - 1] as { text: { text: string } }).text.text.slice(0, LIMITS.sectionText - 40);
    body[room - 1] = section(`${lastText}\n_…(answer shortened to fit Slack)_`);
  }
  // The notification shows this text as it is: plain words, escaped once, no Markdown marks.
  const plain = (answer.noAnswer ? 'Not found in the documents. ' : '') + markdownToPlain(answer.answer ?? '');
  return { blocks: [...body, ...tail], text: escapeMrkdwn(snippet(plain, 300)) || 'Answer' };
}

/** A single-section message (usage, errors, "Searching…"). `mrkdwn` must already be escaped. */
export function messageBlocks(mrkdwn: string, fallback?: string): RenderedMessage {
  return {
    blocks: splitMrkdwn(mrkdwn).slice(0, LIMITS.messageBlocks).map(section),
    text: fallback ?? snippet(mrkdwn.replace(/[*_`]/g, ''), 300),
  };
}
