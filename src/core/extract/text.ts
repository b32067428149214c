import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import chardet from 'chardet';
import iconv from 'iconv-lite';
import { columnName } from './columns.js';
import { ExtractError, type Extracted, type ExtractedSection } from './types.js';

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

/** The decoded text in slices, so the CSV parser takes it a piece at a time. */
function* slices(text: string, size = 64 * 1024): Generator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

/**
 * A CSV's records as they are parsed, each with the row number a spreadsheet shows for it (the
 * header is row 1; an empty line is a row too). The parser pulls the text slice by slice and
 * holds a few records at a time, so a large log is never one array of all its rows and cells.
 */
export async function* csvRows(text: Iterable<string> | AsyncIterable<string>): AsyncGenerator<{ row: number; cells: string[] }> {
  const parser = Readable.from(text, { objectMode: false }).pipe(parse({ relax_column_count: true, skip_empty_lines: false }));
  let row = 0;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) yield { row: ++row, cells };
  } catch (e) {
    // Said by row, as the user finds it when opening the file: the parser counts the records it
    // finished, and reads ahead of what was consumed.
    const finished = (e as { records?: number }).records;
    throw new ExtractError(`corrupt CSV at row ${(finished ?? row) + 1}: ${(e as Error).message}`, 'corrupt');
  } finally {
    parser.destroy();
  }
}

/**
 * A CSV is a table: each row becomes "header: value; header: value", so a row found by search
 * carries its column names (a bare "RFI-031,Open,2026-10-12" means little). Each row is a section
 * located by its row number, so the chunker packs rows into row ranges and answers cite them
 * ("rows 40–44").
 */
export async function extractCsv(data: Buffer): Promise<Extracted> {
  const sections: ExtractedSection[] = [];
  let header: string[] | undefined;
  for await (const { row, cells } of csvRows(slices(decode(data)))) {
    if (!cells.some((c) => c.trim())) continue;
    if (!header) {
      header = cells.map((h) => h.trim());
      continue;
    }
    const text = cells
      .map((c, i) => (c.trim() ? `${header![i] || columnName(i)}: ${c.trim()}` : ''))
      .filter(Boolean)
      .join('; ');
    sections.push({ text, location: { rowStart: row } });
  }
  return { text: sections.map((s) => s.text).join('\n\n'), sections };
}
