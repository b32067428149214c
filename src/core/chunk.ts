// Token-aware chunking: split on Markdown headings, then paragraphs, then sentences, then
// tokens; pack pieces up to the target size with overlap inside a section. Each chunk carries
// its heading path so that "Title › Section" is embedded and searched with it.
import { type Location, mergeLocations } from './location.js';
import { countTokens, decodeTokens, encodeTokens } from './tokens.js';

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

// A sentence ends at . ! ? before a capital — but not after an initial ("R. Kowalski", "A. M. Delgado").
const SENTENCE = /(?<![\s(][A-Z]\.)(?<=[.!?])\s+(?=[A-Z0-9"'(\[])/;

interface Piece {
  text: string;
  tokens: number;
  loc?: Location;
}

// Tokenizing is the chunker's main cost (js-tiktoken reads well under 1 MB/s here), so each piece
// is counted once while packing (its sum plus one token per "\n\n" is the packing estimate) and
// each finished chunk once more, exactly.

/** Pieces no larger than max tokens: paragraphs, else sentences, else token windows. */
function pieces(para: string, max: number): Piece[] {
  const out: Piece[] = [];
  const p = para.trim();
  if (!p) return out;
  const whole = countTokens(p);
  if (whole <= max) return [{ text: p, tokens: whole }];
  // A list is split on its items before sentences: each item is a unit of meaning.
  const units = /^\s*([-*•]|\d+[.)])\s/m.test(p) ? p.split(/\n(?=\s*(?:[-*•]|\d+[.)])\s)/) : p.split(SENTENCE);
  for (const u of units) {
    const s = u.trim();
    if (!s) continue;
    const toks = encodeTokens(s);
    if (toks.length <= max) out.push({ text: s, tokens: toks.length });
    else
      for (let i = 0; i < toks.length; i += max) {
        const window = decodeTokens(toks.slice(i, i + max));
        out.push({ text: window, tokens: countTokens(window) });
      }
  }
  return out;
}

/** Packs one section's pieces into chunks of at most maxTokens, carrying an overlap between them. */
class SectionPacker {
  private current: Piece[] = [];
  private fresh = false; // anything added since the last chunk (carried overlap alone is no chunk)
  constructor(
    private readonly context: string,
    private readonly headingPath: string[],
    private readonly opts: ChunkOptions,
    private readonly nextIndex: () => number,
  ) {}

  // Pieces are joined by "\n\n", one cl100k token each: a chunk's size counts them too.
  private sizeOf = (ps: { tokens: number }[]) => ps.reduce((n, p) => n + p.tokens, 0) + Math.max(0, ps.length - 1);

  *add(part: Piece): Generator<Chunk> {
    if (this.current.length && this.sizeOf([...this.current, part]) > this.opts.maxTokens) {
      if (this.fresh) yield this.emit();
      // The carried overlap yields to a piece that would not fit beside it (no chunk over maxTokens).
      while (this.current.length && this.sizeOf([...this.current, part]) > this.opts.maxTokens) this.current.shift();
    }
    this.current.push(part);
    this.fresh = true;
  }

  *finish(): Generator<Chunk> {
    if (this.fresh) yield this.emit();
  }

  private emit(): Chunk {
    this.fresh = false;
    const content = this.current.map((p) => p.text).join('\n\n');
    const location = mergeLocations(this.current.map((p) => p.loc));
    const chunk: Chunk = {
      index: this.nextIndex(),
      content,
      context: this.context,
      headingPath: this.headingPath,
      tokenCount: countTokens(content),
      ...(location ? { location } : {}),
    };
    // Carry trailing pieces (up to the overlap budget) into the next chunk of this section.
    const carry: typeof this.current = [];
    for (let i = this.current.length - 1; i > 0 && this.sizeOf([this.current[i], ...carry]) <= this.opts.overlapTokens; i--)
      carry.unshift(this.current[i]);
    this.current = carry;
    return chunk;
  }
}

/** Where to cut an over-long line at or before `max`: after a sentence if one ends in the second half, else at a space. */
function cutPoint(line: string, max: number): number {
  for (let i = max; i > max / 2; i--) if (/[.!?]/.test(line[i - 1]) && /\s/.test(line[i])) return i;
  const space = line.lastIndexOf(' ', max);
  return space > max / 2 ? space : max;
}

export interface ChunkAt {
  chunk: Chunk;
  /** How far into the text the chunker has read when it yields this chunk (for progress). */
  offset: number;
}

/**
 * Chunks lazily, one line at a time: a 30 MB text never exists as an array of all its lines,
 * paragraphs or chunks, and the caller can embed and store each batch as it comes.
 * A paragraph is cut at a line (or, for one huge line, a space) once it passes max(maxTokens × 64, 16k)
 * characters, so the tokenizer never sees a multi-megabyte string.
 */
export function* chunkStream(text: string, title: string, opts: ChunkOptions): Generator<ChunkAt> {
  let index = 0;
  const nextIndex = () => index++;
  const path: string[] = [];
  let packer: SectionPacker | undefined;
  let para: string[] = [];
  let paraChars = 0;
  let offset = 0;
  let inFence = false;
  const paraMax = Math.max(opts.maxTokens * 64, 16_384);

  const packerFor = () => {
    if (packer) return packer;
    const secPath = path.filter(Boolean);
    packer = new SectionPacker(contextOf(title, secPath), secPath, opts, nextIndex);
    return packer;
  };
  function* flushPara(): Generator<ChunkAt> {
    const p = para.join('\n');
    para = [];
    paraChars = 0;
    if (!p.trim()) return;
    const pk = packerFor();
    for (const piece of pieces(p, opts.maxTokens)) for (const chunk of pk.add(piece)) yield { chunk, offset };
  }
  function* flushSection(): Generator<ChunkAt> {
    yield* flushPara();
    if (packer) for (const chunk of packer.finish()) yield { chunk, offset };
    packer = undefined;
  }

  let pos = 0;
  while (pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    let line = text.slice(pos, end);
    pos = end + 1;
    offset = Math.min(pos, text.length);
    if (/^\s*```/.test(line)) inFence = !inFence;
    const m = !inFence && /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (m) {
      yield* flushSection();
      const level = m[1].length;
      path.length = Math.min(path.length, level - 1);
      while (path.length < level - 1) path.push('');
      path[level - 1] = m[2];
      continue;
    }
    if (!line.trim()) {
      yield* flushPara();
      continue;
    }
    while (paraChars + line.length > paraMax) {
      if (para.length) {
        yield* flushPara();
        continue;
      }
      const cut = cutPoint(line, paraMax);
      para.push(line.slice(0, cut));
      line = line.slice(cut);
      yield* flushPara();
    }
    para.push(line);
    paraChars += line.length + 1;
  }
  yield* flushSection();
  // Headings and nothing else: the text itself is the one chunk.
  if (index === 0 && text.trim()) {
    const pk = new SectionPacker(title, [], opts, nextIndex);
    for (const piece of pieces(text, opts.maxTokens)) for (const chunk of pk.add(piece)) yield { chunk, offset: text.length };
    for (const chunk of pk.finish()) yield { chunk, offset: text.length };
  }
}

const contextOf = (title: string, path: string[]) => {
  // A document's H1 usually repeats its title; say it once.
  const shown = path[0]?.trim().toLowerCase() === title.trim().toLowerCase() ? path.slice(1) : path;
  return [title, ...shown].filter(Boolean).join(' › ');
};

/**
 * Chunks a located document lazily, keeping each chunk's location. Consecutive sections that share
 * a heading (the rows of one tab) pack together, so a chunk may span rows; a new heading (another
 * tab, another slide) or a new PDF page always starts a new chunk, so a quote is cited to its own
 * page rather than to a span. Without sections, the text is chunked on its Markdown headings.
 * The offset counts the characters of the sections read so far (for progress).
 */
export function* chunkDocumentStream(doc: ChunkInput, title: string, opts: ChunkOptions): Generator<ChunkAt> {
  if (!doc.sections?.length) {
    yield* chunkStream(doc.text, title, opts);
    return;
  }
  let index = 0;
  const nextIndex = () => index++;
  const block = (s: NonNullable<ChunkInput['sections']>[number]) => `${s.heading ?? ''}\u0000${s.location?.page ?? ''}`;
  let offset = 0;
  let packer: SectionPacker | undefined;
  let key: string | undefined;
  for (const sec of doc.sections) {
    if (packer && block(sec) !== key) for (const chunk of packer.finish()) yield { chunk, offset };
    if (!packer || block(sec) !== key) {
      key = block(sec);
      const path = sec.heading ? [sec.heading] : [];
      packer = new SectionPacker(contextOf(title, path), path, opts, nextIndex);
    }
    offset += sec.text.length + 2;
    for (const paragraph of sec.text.split(/\n\s*\n/))
      for (const piece of pieces(paragraph, opts.maxTokens))
        for (const chunk of packer.add({ ...piece, loc: sec.location })) yield { chunk, offset };
  }
  if (packer) for (const chunk of packer.finish()) yield { chunk, offset: doc.text.length };
}

export function chunkDocument(doc: ChunkInput, title: string, opts: ChunkOptions): Chunk[] {
  return [...chunkDocumentStream(doc, title, opts)].map((c) => c.chunk);
}

export function chunkText(text: string, title: string, opts: ChunkOptions): Chunk[] {
  return [...chunkStream(text, title, opts)].map((c) => c.chunk);
}

/** What gets embedded for a chunk: its context line, then its text. The cache key hashes exactly this. */
export const embeddingText = (c: Pick<Chunk, 'context' | 'content'>): string => (c.context ? `${c.context}\n\n${c.content}` : c.content);
