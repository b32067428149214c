import { parse } from 'csv-parse/sync';
import type { Extracted } from './types.js';

function decode(data: Buffer): string {
  return data.toString('utf8').replace(/^\uFEFF/, '');
}

export function extractMarkdown(data: Buffer): Extracted {
  // Windows line endings too: the front-matter fences must still match.
  let text = decode(data).replace(/\r\n?/g, '\n');
  // YAML front matter is metadata (the folder source reads it), not content.
  text = text.replace(/^---\n[\s\S]*?\n---(?:\n|$)/, '');
  return { text, title: /^# (.+)$/m.exec(text)?.[1] };
}

export function extractPlain(data: Buffer): Extracted {
  const text = decode(data);
  const first = text.split('\n').find((l) => l.trim());
  return { text, title: first && first.length < 120 ? first.trim() : undefined };
}

/**
 * A CSV is a table: each row becomes "header: value; header: value" on its own line, so a row
 * found by search carries its column names (a bare "RFI-031,Open,2026-10-12" means little).
 */
export function extractCsv(data: Buffer): Extracted {
  const rows = parse(decode(data), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  if (rows.length === 0) return { text: '' };
  const [header, ...body] = rows;
  const lines = body
    .filter((r) => r.some((c) => c.trim()))
    .map((r) => header.map((h, i) => (r[i]?.trim() ? `${h.trim()}: ${r[i].trim()}` : '')).filter(Boolean).join('; '));
  return { text: lines.join('\n\n') };
}
