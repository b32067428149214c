import { parse } from 'csv-parse/sync';
import chardet from 'chardet';
import iconv from 'iconv-lite';
import { ExtractError, type Extracted } from './types.js';

/** Below this chardet confidence (0–100) a guess is not trusted: 40 still takes a page of windows-1252 German. */
const MIN_CONFIDENCE = 40;

/**
 * Text from bytes: UTF-8 when the bytes are valid UTF-8 (the usual case), UTF-16 when a byte-order
 * mark says so, else the encoding chardet recognises with confidence (Latin-1, windows-1252,
 * Shift_JIS …). Bytes that are neither are refused with the reason: decoding them as UTF-8 would
 * index replacement characters (mojibake) that no question ever matches.
 */
export function decodeText(data: Buffer): string {
  if (data[0] === 0xff && data[1] === 0xfe) return iconv.decode(data.subarray(2), 'utf16le');
  if (data[0] === 0xfe && data[1] === 0xff) return iconv.decode(data.subarray(2), 'utf16be');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data); // strips a UTF-8 byte-order mark
  } catch {
    /* not UTF-8: recognise the encoding below */
  }
  const bad = firstInvalidUtf8(data);
  if (data.includes(0)) throw new ExtractError(`not text: binary data (a NUL byte) and not valid UTF-8 at byte ${bad}`, 'encoding');
  const guess = chardet
    .analyse(data)
    .find((m) => m.confidence >= MIN_CONFIDENCE && !/^(UTF-8|ASCII)$/i.test(m.name) && iconv.encodingExists(m.name));
  if (!guess)
    throw new ExtractError(`not valid UTF-8 (byte ${bad}) and its encoding could not be recognised; save the file as UTF-8`, 'encoding');
  return iconv.decode(data, guess.name);
}

/** Offset of the first byte that is not UTF-8: the longest valid prefix, by bisection (a prefix of a valid prefix is valid). */
function firstInvalidUtf8(data: Buffer): number {
  let lo = 0;
  let hi = data.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, mid), { stream: true }); // a sequence cut at the end is not an error
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

const decode = decodeText;

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
    .map((r) =>
      header
        .map((h, i) => (r[i]?.trim() ? `${h.trim()}: ${r[i].trim()}` : ''))
        .filter(Boolean)
        .join('; '),
    );
  return { text: lines.join('\n\n') };
}
