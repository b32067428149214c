// Token-aware chunking: split on Markdown headings, then paragraphs, then sentences, then
// tokens; pack pieces up to the target size with overlap inside a section. Each chunk carries
// its heading path so that "Title › Section" is embedded and searched with it.
import { countTokens, decodeTokens, encodeTokens } from './tokens.js';
import { mergeLocations, type Location } from './location.js';

export interface Chunk {
  index: number;
  content: string;
  /** "Document title › Heading › Subheading" */
  context: string;
  headingPath: string[];
  tokenCount: number;
  /** Page(s), tab and rows, or slide the chunk's text comes from (absent for formats without them). */
  location?: Location;
}

/** A document as extracted: whole text, and its located sections when the format has them. */
export interface ChunkInput {
  text: string;
  sections?: { text: string; location?: Location; heading?: string }[];
}

export interface ChunkOptions {
  maxTokens: number;
  overlapTokens: number;
}

/** Defaults from what the embedder handles well: ~80% of its input limit (room for the context line), 15% overlap. */
export function defaultChunkOptions(maxInputTokens: number, configured?: { tokens?: number; overlap?: number }): ChunkOptions {
  const maxTokens = configured?.tokens ?? Math.max(32, Math.min(512, Math.floor(maxInputTokens * 0.8)));
  const overlapTokens = configured?.overlap ?? Math.floor(maxTokens * 0.15);
  return { maxTokens, overlapTokens: Math.min(overlapTokens, maxTokens - 1) };
}

interface Section {
  path: string[];
  body: string;
}

function sections(text: string): Section[] {
  const out: Section[] = [];
  const path: string[] = [];
  let body: string[] = [];
  const flush = () => {
    const b = body.join('\n').trim();
    if (b) out.push({ path: [...path], body: b });
    body = [];
  };
  let inFence = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const m = !inFence && /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (m) {
      flush();
      const level = m[1].length;
      path.length = Math.min(path.length, level - 1);
      while (path.length < level - 1) path.push('');
      path[level - 1] = m[2];
      continue;
    }
    body.push(line);
  }
  flush();
  return out.map((s) => ({ ...s, path: s.path.filter(Boolean) }));
}

const SENTENCE = /(?<=[.!?])\s+(?=[A-Z0-9"'(\[])/;

/** Pieces no larger than max tokens: paragraphs, else sentences, else token windows. */
function pieces(body: string, max: number): string[] {
  const out: string[] = [];
  for (const para of body.split(/\n\s*\n/)) {
    const p = para.trim();
    if (!p) continue;
    if (countTokens(p) <= max) {
      out.push(p);
      continue;
    }
    // A list is split on its items before sentences: each item is a unit of meaning.
    const units = /^\s*([-*•]|\d+[.)])\s/m.test(p) ? p.split(/\n(?=\s*(?:[-*•]|\d+[.)])\s)/) : p.split(SENTENCE);
    for (const u of units) {
      const s = u.trim();
      if (!s) continue;
      if (countTokens(s) <= max) out.push(s);
      else {
        const toks = encodeTokens(s);
        for (let i = 0; i < toks.length; i += max) out.push(decodeTokens(toks.slice(i, i + max)));
      }
    }
  }
  return out;
}

interface Part {
  text: string;
  tokens: number;
  loc?: Location;
}

/** Packs pieces of one section up to maxTokens, carrying trailing pieces as overlap. */
function pack(parts: Part[], context: string, headingPath: string[], opts: ChunkOptions, chunks: Chunk[]): void {
  // Pieces are joined by "\n\n", one cl100k token each: a chunk's size counts them too.
  const sizeOf = (ps: Part[]) => ps.reduce((n, p) => n + p.tokens, 0) + Math.max(0, ps.length - 1);
  let current: Part[] = [];
  let fresh = false; // anything added since the last chunk (carried overlap alone is no chunk)
  const emit = () => {
    fresh = false;
    const content = current.map((p) => p.text).join('\n\n');
    const location = mergeLocations(current.map((p) => p.loc));
    chunks.push({ index: chunks.length, content, context, headingPath, tokenCount: countTokens(content), ...(location ? { location } : {}) });
    // Carry trailing pieces (up to the overlap budget) into the next chunk of this section.
    const carry: Part[] = [];
    for (let i = current.length - 1; i > 0 && sizeOf([current[i], ...carry]) <= opts.overlapTokens; i--) carry.unshift(current[i]);
    current = carry;
  };
  for (const part of parts) {
    if (current.length && sizeOf([...current, part]) > opts.maxTokens) {
      if (fresh) emit();
      // The carried overlap yields to a piece that would not fit beside it (no chunk over maxTokens).
      while (current.length && sizeOf([...current, part]) > opts.maxTokens) current.shift();
    }
    current.push(part);
    fresh = true;
  }
  if (fresh) emit();
}

const contextOf = (title: string, path: string[]) => {
  // A document's H1 usually repeats its title; say it once.
  const shown = path[0]?.trim().toLowerCase() === title.trim().toLowerCase() ? path.slice(1) : path;
  return [title, ...shown].filter(Boolean).join(' › ');
};

export function chunkText(text: string, title: string, opts: ChunkOptions): Chunk[] {
  const chunks: Chunk[] = [];
  const secs = sections(text);
  for (const sec of secs.length ? secs : [{ path: [], body: text }]) {
    const parts = pieces(sec.body, opts.maxTokens).map((p) => ({ text: p, tokens: countTokens(p) }));
    pack(parts, contextOf(title, sec.path), sec.path, opts, chunks);
  }
  return chunks;
}

/**
 * Chunks a document, keeping each chunk's location. Located sections that share a heading (the
 * rows of one tab) pack together, so a chunk may span rows; a new heading (another tab, another
 * slide) or a new PDF page always starts a new chunk. Without sections, the text is chunked on
 * its Markdown headings.
 */
export function chunkDocument(doc: ChunkInput, title: string, opts: ChunkOptions): Chunk[] {
  if (!doc.sections?.length) return chunkText(doc.text, title, opts);
  const chunks: Chunk[] = [];
  let i = 0;
  // Pages do not share a chunk either: a quote is then cited to its own page, not to a span.
  const block = (s: NonNullable<ChunkInput['sections']>[number]) => `${s.heading ?? ''}\u0000${s.location?.page ?? ''}`;
  while (i < doc.sections.length) {
    const heading = doc.sections[i].heading;
    const key = block(doc.sections[i]);
    const parts: Part[] = [];
    for (; i < doc.sections.length && block(doc.sections[i]) === key; i++) {
      const sec = doc.sections[i];
      for (const p of pieces(sec.text, opts.maxTokens)) parts.push({ text: p, tokens: countTokens(p), loc: sec.location });
    }
    const path = heading ? [heading] : [];
    pack(parts, contextOf(title, path), path, opts, chunks);
  }
  return chunks;
}

/** What gets embedded for a chunk: its context line, then its text. The cache key hashes exactly this. */
export const embeddingText = (c: Pick<Chunk, 'context' | 'content'>): string => (c.context ? `${c.context}\n\n${c.content}` : c.content);
