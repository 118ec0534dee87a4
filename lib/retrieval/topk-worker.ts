// Worker thread for exact search: answers {id, queries, Q, corpus, rows, dim, k} with the
// top-k of that corpus slice (topk-block.ts) on its own TF.js wasm engine.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { topkSlice } from './topk-block';

interface Req {
  id: number;
  queries: Float32Array;
  Q: number;
  corpus: Float32Array;
  rows: number;
  dim: number;
  k: number;
}

async function start(): Promise<void> {
  await tf.setBackend((workerData as { backend: string }).backend);
  await tf.ready();
  parentPort!.on('message', (r: Req) => {
    try {
      const out = topkSlice(r.queries, r.Q, r.corpus, r.rows, r.dim, r.k);
      parentPort!.postMessage({ id: r.id, ...out }, [out.index.buffer as ArrayBuffer, out.score.buffer as ArrayBuffer]);
    } catch (e) {
      parentPort!.postMessage({ id: r.id, error: String((e as Error)?.stack ?? e) });
    }
  });
  parentPort!.postMessage({ id: 0 });
}

start().catch((e) => parentPort!.postMessage({ id: 0, error: String((e as Error)?.stack ?? e) }));
