// Small deterministic fixtures for retrieval and answer tests: an in-memory DocumentSource and a
// topic embedder whose geometry is known (each dimension counts one topic's words), so tests can
// say which chunks the vector leg will and will not find.
import type { Database } from '../../src/core/db/types.js';
import { ensureEmbeddingSpace } from '../../src/core/embed/space.js';
import type { Embedder } from '../../src/core/embed/types.js';
import { migratedMemoryDb } from './db.js';
import type { DocumentSource, FetchedFile, SourceAccess, SourceFile } from '../../src/core/sources/types.js';

export interface FixtureDoc {
  path: string;
  text: string;
  category?: string;
  docType?: string;
  modifiedAt?: Date;
  /** Who may open it (absent: the source reports nothing, so nobody but the operator sees it). */
  access?: SourceAccess;
  /** documents.metadata (e.g. Drive's folderIds); default {}. */
  metadata?: Record<string, unknown>;
}

export class ArraySource implements DocumentSource {
  readonly name = 'fixture';
  constructor(public docs: FixtureDoc[]) {}

  async *list(): AsyncIterable<SourceFile> {
    for (const d of this.docs)
      yield {
        fileId: `fixture:${d.path}`,
        title: d.path.replace(/\.\w+$/, ''),
        mimeType: d.path.endsWith('.md') ? 'text/markdown' : d.path.endsWith('.pdf') ? 'application/pdf' : 'text/plain',
        path: d.path,
        url: `https://example.test/${d.path}`,
        category: d.category,
        docType: d.docType,
        modifiedAt: d.modifiedAt,
        version: String(d.text.length) + d.text.slice(0, 20),
        metadata: d.metadata ?? {},
        access: d.access,
      };
  }

  async fetch(file: SourceFile): Promise<FetchedFile> {
    const d = this.docs.find((x) => `fixture:${x.path}` === file.fileId)!;
    return { data: Buffer.from(d.text), mimeType: file.mimeType };
  }
}

const TOPICS: string[][] = [
  ['fall', 'guardrail', 'harness', 'height', 'edge', 'ladder'],
  ['concrete', 'pour', 'slab', 'cure', 'cold', 'temperature'],
  ['schedule', 'milestone', 'delay', 'completion', 'date', 'weeks'],
  ['rfi', 'architect', 'question', 'response', 'answer', 'drawing'],
  ['crane', 'lift', 'wind', 'rigging', 'load', 'operator'],
  ['payment', 'retainage', 'invoice', 'pay', 'cost', 'contract'],
];

export class TopicEmbedder implements Embedder {
  readonly id = 'test:topics';
  readonly dimensions = TOPICS.length + 1;
  readonly maxInputTokens = 512;
  calls = 0;
  texts = 0;

  async embed(texts: string[]): Promise<number[][]> {
    this.calls++;
    this.texts += texts.length;
    return texts.map((t) => {
      const words = t.toLowerCase().match(/[a-z0-9-]+/g) ?? [];
      const v = TOPICS.map((topic) => words.filter((w) => topic.some((k) => w.startsWith(k))).length);
      v.push(0.2); // a small shared component keeps every vector non-zero
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
  }
}

/** An in-memory migrated database whose embedding space is the TopicEmbedder's. */
export async function topicDb(): Promise<{ db: Database; embedder: TopicEmbedder }> {
  const db = await migratedMemoryDb();
  const embedder = new TopicEmbedder();
  await ensureEmbeddingSpace(db, embedder);
  return { db, embedder };
}
