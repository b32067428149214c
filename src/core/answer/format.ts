import { searchedFooter } from '../scope/channel-scope.js';
import type { Answer } from './types.js';
import { describeSource } from './place.js';

/** Plain-text rendering of an answer for the terminal and the CLI. */
export function formatAnswer(a: Answer): string {
  const lines = [a.answer.replace(/\*{1,2}([^*\n]+)\*{1,2}/g, '$1'), ''];
  if (a.note) lines.push(`(${a.note})`, '');
  if (a.sources.length) {
    lines.push(a.noAnswer ? 'Closest documents:' : 'Sources:');
    for (const s of a.sources) lines.push(`  [${s.n}] ${describeSource(s)}${s.url ? ` — ${s.url}` : s.path ? ` — ${s.path}` : ''}`);
  }
  if (a.searched) lines.push('', searchedFooter(a.searched));
  lines.push('', `confidence ${a.confidence.toFixed(2)} · ${a.model} · ${a.timings.totalMs ?? 0} ms`);
  return lines.join('\n');
}
