import { describe, expect, it } from 'vitest';
import { chunkText, defaultChunkOptions, embeddingText } from '../../src/core/chunk.js';
import { countTokens } from '../../src/core/tokens.js';

const words = (n: number, w: string) => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');
const sentences = (n: number) => Array.from({ length: n }, (_, i) => `Sentence ${i} says the concrete pour needs inspection.`).join(' ');

describe('chunkText', () => {
  it('returns no chunks for empty or blank text', () => {
    expect(chunkText('', 'T', { maxTokens: 50, overlapTokens: 5 })).toEqual([]);
    expect(chunkText('  \n\n \n', 'T', { maxTokens: 50, overlapTokens: 5 })).toEqual([]);
  });

  it('carries the heading path in the context, naming the title once', () => {
    const text = [
      '# Safety Plan',
      'Intro text.',
      '## Fall Protection',
      'Harness rules.',
      '### Ladders',
      'Three points of contact.',
      '## Fire',
      'Extinguishers.',
    ].join('\n\n');
    const chunks = chunkText(text, 'Safety Plan', { maxTokens: 100, overlapTokens: 10 });
    expect(chunks.map((c) => [c.context, c.content])).toEqual([
      ['Safety Plan', 'Intro text.'],
      ['Safety Plan › Fall Protection', 'Harness rules.'],
      ['Safety Plan › Fall Protection › Ladders', 'Three points of contact.'],
      ['Safety Plan › Fire', 'Extinguishers.'],
    ]);
    expect(chunks[2].headingPath).toEqual(['Safety Plan', 'Fall Protection', 'Ladders']);
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(embeddingText(chunks[1])).toBe('Safety Plan › Fall Protection\n\nHarness rules.');
  });

  it('ignores # lines inside code fences', () => {
    const chunks = chunkText('## Setup\n\n```sh\n# not a heading\nnpm ci\n```', 'Doc', { maxTokens: 100, overlapTokens: 0 });
    expect(chunks).toHaveLength(1);
    expect(chunks[0].context).toBe('Doc › Setup');
    expect(chunks[0].content).toContain('# not a heading');
  });

  it('never makes a chunk over maxTokens, and tokenCount is true', () => {
    const text = [words(9, 'a'), words(9, 'b'), words(9, 'c'), words(39, 'd'), words(9, 'e'), sentences(30)].join('\n\n');
    for (const [maxTokens, overlapTokens] of [
      [40, 25],
      [40, 0],
      [64, 20],
      [20, 19],
    ]) {
      const chunks = chunkText(text, 'Doc', { maxTokens, overlapTokens });
      expect(chunks.length).toBeGreaterThan(3);
      for (const c of chunks) {
        expect(c.tokenCount).toBe(countTokens(c.content));
        expect(c.tokenCount).toBeLessThanOrEqual(maxTokens);
      }
      // every word of the input is in some chunk
      const all = chunks.map((c) => c.content).join(' ');
      for (const w of ['a0', 'b8', 'c4', 'd0', 'd38', 'e8', 'Sentence 29']) expect(all).toContain(w);
    }
  });

  it('overlaps consecutive chunks of a section with trailing paragraphs', () => {
    const paras = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} covers the rebar schedule for level ${i}.`); // ~12 tokens each
    const chunks = chunkText(paras.join('\n\n'), 'Doc', { maxTokens: 60, overlapTokens: 20 });
    expect(chunks.length).toBeGreaterThan(1);
    for (let i = 1; i < chunks.length; i++) {
      const prevLast = chunks[i - 1].content.split('\n\n').at(-1)!;
      expect(chunks[i].content.startsWith(prevLast)).toBe(true);
      expect(chunks[i].content).not.toBe(prevLast); // never a chunk of overlap alone
    }
    // without overlap no paragraph repeats
    const plain = chunkText(paras.join('\n\n'), 'Doc', { maxTokens: 60, overlapTokens: 0 });
    expect(plain.flatMap((c) => c.content.split('\n\n'))).toEqual(paras);
  });

  it('does not overlap across sections', () => {
    const chunks = chunkText(`## A\n\n${words(8, 'x')}\n\n${words(8, 'y')}\n\n## B\n\n${words(8, 'z')}`, 'Doc', {
      maxTokens: 60,
      overlapTokens: 30,
    });
    expect(chunks.map((c) => c.context)).toEqual(['Doc › A', 'Doc › B']);
    expect(chunks[1].content).toBe(words(8, 'z'));
  });

  it('splits a huge single paragraph by sentences, then by tokens', () => {
    const bySentence = chunkText(sentences(200), 'Doc', { maxTokens: 50, overlapTokens: 0 });
    expect(bySentence.length).toBeGreaterThan(10);
    for (const c of bySentence) {
      expect(c.tokenCount).toBeLessThanOrEqual(50);
      expect(c.content).toMatch(/^Sentence \d+ .*inspection\.$/s); // whole sentences only
    }
    const noSentences = words(1000, 'w'); // one run-on "sentence"
    const byTokens = chunkText(noSentences, 'Doc', { maxTokens: 50, overlapTokens: 0 });
    expect(byTokens.length).toBeGreaterThanOrEqual(Math.ceil(countTokens(noSentences) / 50));
    for (const c of byTokens) expect(c.tokenCount).toBeLessThanOrEqual(50);
    expect(
      byTokens
        .map((c) => c.content)
        .join('')
        .replace(/\s+/g, ' ')
        .trim(),
    ).toBe(noSentences);
  });

  it('splits an oversized list on its items', () => {
    const list = Array.from({ length: 40 }, (_, i) => `- item ${i} check the formwork`).join('\n');
    const chunks = chunkText(list, 'Doc', { maxTokens: 30, overlapTokens: 0 });
    for (const c of chunks) for (const line of c.content.split(/\n+/)) expect(line).toMatch(/^- item \d+ check the formwork$/);
  });
});

describe('defaultChunkOptions', () => {
  it('sizes from the embedder and clamps overlap', () => {
    expect(defaultChunkOptions(8191)).toEqual({ maxTokens: 512, overlapTokens: 76 });
    expect(defaultChunkOptions(128)).toEqual({ maxTokens: 102, overlapTokens: 15 });
    expect(defaultChunkOptions(10)).toEqual({ maxTokens: 32, overlapTokens: 4 });
    expect(defaultChunkOptions(8191, { tokens: 100, overlap: 200 })).toEqual({ maxTokens: 100, overlapTokens: 99 });
  });
});
