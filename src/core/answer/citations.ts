// Citations in an answer must point at retrieved sources. Valid ones are renumbered to the
// sources actually cited (1, 2, …), invalid ones are dropped and counted so the caller can
// refuse an answer that cites nothing real.
export interface CitedSource {
  n: number;
}

export interface CitationResult<S extends CitedSource> {
  text: string;
  sources: S[];
  invalid: number;
  cited: number;
}

const CITE = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

export function finalizeCitations<S extends CitedSource>(text: string, sources: S[]): CitationResult<S> {
  const byN = new Map(sources.map((s) => [s.n, s]));
  const order: number[] = [];
  let invalid = 0;
  for (const m of text.matchAll(CITE))
    for (const part of m[1].split(',')) {
      const n = Number(part.trim());
      if (!byN.has(n)) invalid++;
      else if (!order.includes(n)) order.push(n);
    }
  const renumber = new Map(order.map((n, i) => [n, i + 1]));
  const rewritten = text
    .replace(CITE, (_, list: string) => {
      const kept = [
        ...new Set(
          list
            .split(',')
            .map((p) => renumber.get(Number(p.trim())))
            .filter((x): x is number => x !== undefined),
        ),
      ];
      return kept.map((n) => `[${n}]`).join('');
    })
    .replace(/[ \t]+([.,;:])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
  return { text: rewritten, sources: order.map((n) => ({ ...byN.get(n)!, n: renumber.get(n)! })), invalid, cited: order.length };
}
