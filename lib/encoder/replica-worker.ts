// The body of a replica worker thread: a LocalReplica on its own TF.js (wasm) engine,
// answering {id, method, args} messages from worker-pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { LocalReplica, type Replica } from './replica';
import type { EncoderConfig } from './config';

interface Request {
  id: number;
  method: keyof Replica;
  args: unknown[];
}

async function start(): Promise<void> {
  const { cfg, backend } = workerData as { cfg: EncoderConfig; backend: string };
  await tf.setBackend(backend);
  await tf.ready();
  const replica = new LocalReplica(cfg);
  // One request at a time, in arrival order: the main thread relies on this ordering.
  let queue = Promise.resolve();
  parentPort!.on('message', (req: Request) => {
    queue = queue.then(async () => {
      try {
        const fn = replica[req.method] as (...a: unknown[]) => Promise<unknown>;
        const result = await fn.apply(replica, req.args);
        const transfer = result instanceof Float32Array ? [result.buffer as ArrayBuffer] : [];
        parentPort!.postMessage({ id: req.id, result }, transfer);
      } catch (e) {
        parentPort!.postMessage({ id: req.id, error: String((e as Error)?.stack ?? e) });
      }
    });
  });
  parentPort!.postMessage({ id: 0, result: 'ready' });
}

start().catch((e) => parentPort!.postMessage({ id: 0, error: String((e as Error)?.stack ?? e) }));
