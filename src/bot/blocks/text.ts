// Block Kit → plain text, for the terminal chat and logs: the same blocks Slack gets, read aloud.
import type { Block } from './types.js';

interface TextObject {
  type: string;
  text: string;
}

/** mrkdwn → plain: `<url|label>` → `label (url)`, mentions spelled out, entities decoded. */
export function mrkdwnToPlain(s: string): string {
  return slackInputToPlain(s.replace(/:information_source:/g, 'ℹ').replace(/:mag:/g, '🔍'));
}

/**
 * A question as typed in Slack → plain text: Slack sends `&`, `<`, `>` escaped and mentions,
 * channels and links as `<…>` sequences; each becomes readable text exactly once.
 */
export function slackInputToPlain(s: string): string {
  return s
    .replace(/<((?:https?|mailto|file):[^|>]+)\|([^>]+)>/g, (_m, url: string, label: string) => `${label} (${url.replace(/&amp;/g, '&')})`)
    .replace(/<((?:https?|mailto|file):[^>]+)>/g, (_m, url: string) => url.replace(/&amp;/g, '&'))
    .replace(/<@([A-Z0-9]+)(?:\|([^>]+))?>/g, (_m, id: string, name?: string) => `@${name ?? id}`)
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name || id}`)
    .replace(/<!date\^[^|>]*\|([^>]+)>/g, '$1')
    .replace(/<!(\w+)(?:\^[^|>]*)?(?:\|([^>]+))?>/g, (_m, what: string, label?: string) => `@${label ?? what}`)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Drops mrkdwn emphasis markers (`*bold*`, `_italic_`, `~strike~`) around whole words, outside code. */
export function stripEmphasis(s: string): string {
  return s
    .split(/(```[\s\S]*?```|`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/(^|[\s(\[>•])([*_~])(?=\S)([^*_~\n]*?\S)\2(?=$|[\s).,:;!?\]])/gm, '$1$3')))
    .join('');
}

/** The mrkdwn of a message's sections and context elements, in order, without buttons: its content as one text. */
export function blocksToMrkdwn(blocks: readonly Block[] | readonly unknown[]): string {
  const out: string[] = [];
  type RawBlock = { type?: string; text?: { text?: string }; fields?: TextObject[]; elements?: { text?: string; alt_text?: string }[] };
  for (const raw of blocks as RawBlock[]) {
    if (raw.type === 'section')
      out.push([raw.text?.text, ...((raw.fields ?? []) as TextObject[]).map((f) => f.text)].filter(Boolean).join('\n'));
    else if (raw.type === 'header') out.push(`*${raw.text?.text ?? ''}*`);
    else if (raw.type === 'context')
      out.push(
        (raw.elements ?? [])
          .map((e) => e.text ?? e.alt_text ?? '')
          .filter(Boolean)
          .join('  '),
      );
    else if (raw.type === 'rich_text') out.push(richText(raw.elements));
  }
  return out.filter(Boolean).join('\n\n');
}

function textOf(t: TextObject | undefined): string {
  if (!t) return '';
  return t.type === 'mrkdwn' ? stripEmphasis(mrkdwnToPlain(t.text)) : t.text;
}

/**
 * Renders blocks as plain text: sections, headers and context elements in order, dividers as a
 * rule; links as `label (url)`, entities decoded, emphasis markers dropped; buttons only when
 * `includeActions` (the terminal has its own way to give feedback).
 */
export function blocksToText(blocks: readonly Block[] | readonly unknown[], opts: { includeActions?: boolean } = {}): string {
  const out: string[] = [];
  for (const raw of blocks as Array<Record<string, any>>) {
    switch (raw.type) {
      case 'header':
        out.push(textOf(raw.text).toUpperCase());
        break;
      case 'section': {
        const parts = [textOf(raw.text), ...((raw.fields ?? []) as TextObject[]).map(textOf)].filter(Boolean);
        out.push(parts.join('\n'));
        break;
      }
      case 'markdown':
        out.push(String(raw.text ?? ''));
        break;
      case 'context':
        out.push(
          ((raw.elements ?? []) as Array<Record<string, any>>)
            .map((e) => (e.type === 'image' ? (e.alt_text ?? '') : textOf(e as TextObject)))
            .filter(Boolean)
            .join('  '),
        );
        break;
      case 'divider':
        out.push('―'.repeat(24));
        break;
      case 'actions':
        if (opts.includeActions) out.push(((raw.elements ?? []) as Array<Record<string, any>>).map((e) => `[${textOf(e.text)}]`).join(' '));
        break;
      case 'rich_text':
        out.push(richText(raw.elements));
        break;
      default:
        break;
    }
  }
  return out.filter((s) => s !== '').join('\n\n');
}

/** Concatenates the `text` leaves of a rich_text tree. */
function richText(node: unknown): string {
  if (Array.isArray(node)) return node.map(richText).join('');
  if (node && typeof node === 'object') {
    const n = node as Record<string, unknown>;
    if (typeof n.text === 'string') return n.text;
    if (n.type === 'link' && typeof n.url === 'string') return String(n.url);
    const inner = richText(n.elements);
    return n.type === 'rich_text_section' || n.type === 'rich_text_list' ? inner + '\n' : inner;
  }
  return '';
}
