// Token-aware chunking: split on Markdown headings, then paragraphs, then sentences, then
// tokens; pack pieces up to the target size with overlap inside a section. Each chunk carries
// its heading path so that "Title › Section" is embedded and searched with it.
import { countTokens, decodeTokens, encodeTokens } from './tokens.js';

export interface Chunk {
  index: number;
  content: string;
  /** "Document title › Heading › Subheading" */
  context: string;
  headingPath: string[];
  tokenCount: number;
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

// A sentence ends at . ! ? before a capital — but not after an initial ("R. Kowalski", "A. M. Delgado").
const SENTENCE = /(?<![\s(][A-Z]\.)(?<=[.!?])\s+(?=[A-Z0-9"'(\[])/;

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

export function chunkText(text: string, title: string, opts: ChunkOptions): Chunk[] {
  const chunks: Chunk[] = [];
  const secs = sections(text);
  for (const sec of secs.length ? secs : [{ path: [], body: text }]) {
    // A document's H1 usually repeats its title; say it once.
    const path = sec.path[0]?.trim().toLowerCase() === title.trim().toLowerCase() ? sec.path.slice(1) : sec.path;
    const context = [title, ...path].filter(Boolean).join(' › ');
    const parts = pieces(sec.body, opts.maxTokens).map((p) => ({ text: p, tokens: countTokens(p) }));
    // Pieces are joined by "\n\n", one cl100k token each: a chunk's size counts them too.
    const sizeOf = (ps: typeof parts) => ps.reduce((n, p) => n + p.tokens, 0) + Math.max(0, ps.length - 1);
    let current: typeof parts = [];
    let fresh = false; // anything added since the last chunk (carried overlap alone is no chunk)
    const emit = () => {
      fresh = false;
      const content = current.map((p) => p.text).join('\n\n');
      chunks.push({ index: chunks.length, content, context, headingPath: sec.path, tokenCount: countTokens(content) });
      // Carry trailing pieces (up to the overlap budget) into the next chunk of this section.
      const carry: typeof parts = [];
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
  return chunks;
}

/** What gets embedded for a chunk: its context line, then its text. The cache key hashes exactly this. */
export const embeddingText = (c: Pick<Chunk, 'context' | 'content'>): string => (c.context ? `${c.context}\n\n${c.content}` : c.content);
