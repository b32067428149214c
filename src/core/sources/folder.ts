import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { minimatch } from 'minimatch';
import { pathToFileURL } from 'node:url';
import { mimeTypeFor } from '../extract/index.js';
import { WORKSPACE } from '../access/scope.js';
import type { DocumentSource, FetchedFile, SourceFile } from './types.js';

/** Whole words of the file name only: "subcontractor-coordination-meeting" is no contract. */
const words = (...w: string[]) => new RegExp(`(?:^|[^a-z])(?:${w.join('|')})(?![a-z])`);

// First match wins: a blank minutes form is a template, not minutes of a meeting.
const DOC_TYPES: [RegExp, string][] = [
  [words('templates?'), 'template'],
  [words('minutes', 'meetings?'), 'minutes'],
  [words('checklists?'), 'checklist'],
  [words('procedures?', 'process'), 'procedure'],
  [words('plans?'), 'plan'],
  [words('schedules?', 'look-ahead', 'lookahead', 'narrative'), 'schedule'],
  [words('logs?'), 'log'],
  [words('contracts?', 'subcontracts?', 'agreements?'), 'contract'],
  [words('directory'), 'directory'],
  [words('standards?', 'policy', 'policies'), 'standard'],
];

export function inferDocType(fileName: string): string | undefined {
  const name = basename(fileName, extname(fileName)).toLowerCase();
  return DOC_TYPES.find(([re]) => re.test(name))?.[1];
}

function frontMatterDocType(head: string): string | undefined {
  const fm = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---/.exec(head);
  return fm ? /^doc_type:\s*["']?([\w-]+)/m.exec(fm[1])?.[1] : undefined;
}

/** A local folder, recursively. Identity = relative path; the top folder is the category. */
export class FolderSource implements DocumentSource {
  readonly name = 'folder';
  readonly root: string;

  constructor(
    root: string,
    private readonly ignore: string[] = [],
  ) {
    this.root = resolve(root);
  }

  async assertExists(): Promise<void> {
    try {
      await stat(this.root);
    } catch {
      throw new Error(`Knowledge folder ${this.root} does not exist (set KNOWLEDGE_DIR or pass a folder to \`trajanus ingest\`)`);
    }
  }

  private ignored(rel: string): boolean {
    const parts = rel.split(sep);
    return this.ignore.some(
      (g) => parts.some((p) => minimatch(p, g, { dot: true })) || minimatch(rel.split(sep).join('/'), g, { dot: true }),
    );
  }

  async *list(): AsyncIterable<SourceFile> {
    await this.assertExists();
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((e) => e.isFile())
      .map((e) => relative(this.root, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
      .filter((rel) => !this.ignored(rel))
      .sort();
    for (const rel of files) {
      const abs = join(this.root, rel);
      const st = await stat(abs);
      const mimeType = mimeTypeFor(rel);
      const segments = rel.split(sep);
      let docType = inferDocType(rel);
      if (mimeType === 'text/markdown') docType = frontMatterDocType(await readHead(abs)) ?? docType;
      yield {
        fileId: `folder:${segments.join('/')}`,
        title: basename(rel, extname(rel)).replace(/[-_]+/g, ' '),
        mimeType,
        path: segments.join('/'),
        url: pathToFileURL(abs).toString(),
        modifiedAt: st.mtime,
        version: `${Math.trunc(st.mtimeMs)}:${st.size}`,
        category: segments.length > 1 ? segments[0] : undefined,
        docType,
        metadata: { size: st.size },
        // A local folder has no ACLs: its documents are visible to the whole workspace (README).
        access: { grants: [{ principal: WORKSPACE, via: 'source' }] },
      };
    }
  }

  async fetch(file: SourceFile): Promise<FetchedFile> {
    return { data: await readFile(join(this.root, file.path!)), mimeType: file.mimeType };
  }
}

async function readHead(path: string): Promise<string> {
  const stream = createReadStream(path, { start: 0, end: 2047, encoding: 'utf8' });
  let s = '';
  for await (const c of stream) s += c;
  return s;
}
