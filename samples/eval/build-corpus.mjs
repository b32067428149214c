// Rebuilds samples/eval/corpus.jsonl from samples/knowledge-base/ (one line per document).
// Run from the repo root: node samples/eval/build-corpus.mjs
// Uses only run-time dependencies (html-to-text, mammoth, unpdf).
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convert } from 'html-to-text';
import mammoth from 'mammoth';
import { extractText, getDocumentProxy } from 'unpdf';

const HERE = dirname(fileURLToPath(import.meta.url));
const KB = join(HERE, '..', 'knowledge-base');

async function walk(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

const mdToText = (md) =>
  md
    .split('\n')
    .filter((l) => !/^\s*\|?\s*:?-{3,}/.test(l)) // table separator rows
    .map((l) => l.replace(/^#{1,6}\s+/, '').replace(/\*\*(.+?)\*\*/g, '$1').replace(/`/g, ''))
    .join('\n');

async function toText(path) {
  const ext = path.split('.').pop().toLowerCase();
  if (ext === 'md') return mdToText(await readFile(path, 'utf8'));
  if (ext === 'txt' || ext === 'csv') return readFile(path, 'utf8');
  if (ext === 'html') return convert(await readFile(path, 'utf8'), {
      wordwrap: false,
      // Without this, html-to-text runs table cells together ("RoleNameResponsibility…").
      selectors: [{ selector: 'table', format: 'dataTable' }],
    });
  if (ext === 'docx') return (await mammoth.extractRawText({ buffer: await readFile(path) })).value;
  if (ext === 'pdf') {
    const doc = await getDocumentProxy(new Uint8Array(await readFile(path)));
    return (await extractText(doc, { mergePages: true })).text;
  }
  throw new Error(`unsupported: ${path}`);
}

function titleOf(path, raw, text) {
  const ext = path.split('.').pop();
  if (ext === 'md') return (/^#\s+(.+)$/m.exec(raw)?.[1] ?? '').replace(/\*\*/g, '').trim();
  if (ext === 'html') return (/<title>([^<]+)<\/title>/i.exec(raw)?.[1] ?? '').trim();
  if (ext === 'csv') return path.includes('rfi') ? 'RFI Log — Harbor Point Medical Office Building' : 'Submittal Log — Harbor Point Medical Office Building';
  return text.split('\n').find((l) => l.trim())?.trim() ?? '';
}

const files = (await walk(KB)).sort();
const lines = [];
for (const f of files) {
  const text = (await toText(f)).replace(/\r\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  const raw = /\.(md|html)$/.test(f) ? await readFile(f, 'utf8') : '';
  const _id = relative(KB, f).split('\\').join('/');
  lines.push(JSON.stringify({ _id, title: titleOf(f, raw, text), text }));
}
await writeFile(join(HERE, 'corpus.jsonl'), lines.join('\n') + '\n');
console.log(`corpus.jsonl: ${lines.length} documents`);
