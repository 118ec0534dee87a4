// Replicas in worker threads. TF.js wasm runs one thread per engine under Node, so a
// second core is used by a second engine in a worker thread (measured: two workers each
// keep ~30 GFLOP/s). Each worker runs replica-worker.ts; calls are queued in order.
import type { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { GeckoError } from '../core/errors';
import { workersSetting } from '../core/env';
import { projectRoot } from '../core/paths';
import { tsWorker } from '../core/worker';
import type { EncoderConfig } from './config';
import type { Replica } from './replica';

/**
 * A Replica proxy over a worker thread.
 * @example const r = await WorkerReplica.start(cfg, 'wasm'); await r.setParams(flat);
 */
export class WorkerReplica implements Replica {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) this.worker.unref(); // an idle worker never keeps the process alive
      if (msg.error !== undefined) p.reject(new Error(`replica worker: ${msg.error}`));
      else p.resolve(msg.result);
    });
    worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  /** Start a worker on a TF.js backend ('wasm' or 'cpu') and wait until it is ready. */
  static async start(cfg: EncoderConfig, backend: string): Promise<WorkerReplica> {
    const module = join(projectRoot(), 'lib', 'encoder', 'replica-worker.ts');
    const worker = tsWorker(module, { cfg, backend }, { execArgv: [], stdout: false, stderr: false });
    const r = new WorkerReplica(worker);
    await new Promise<void>((resolve, reject) => {
      r.pending.set(0, { resolve: () => resolve(), reject });
      worker.once('exit', (code) =>
        reject(new GeckoError(`replica worker exited with code ${code} before it was ready`)),
      );
    });
    worker.unref();
    return r;
  }

  private call<T>(method: keyof Replica, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.ref();
      this.worker.postMessage({ id, method, args });
    });
  }

  setParams(flat: Float32Array): Promise<void> {
    return this.call('setParams', flat);
  }
  encode(seqs: number[][], dropoutSeeds?: number[]): Promise<Float32Array> {
    return this.call('encode', seqs, dropoutSeeds);
  }
  forward(key: number, seqs: number[][], dropoutSeeds?: number[]): Promise<Float32Array> {
    return this.call('forward', key, seqs, dropoutSeeds);
  }
  backward(key: number, demb: Float32Array): Promise<void> {
    return this.call('backward', key, demb);
  }
  forwardBackward(seqs: number[][], demb: Float32Array, dropoutSeeds?: number[]): Promise<void> {
    return this.call('forwardBackward', seqs, demb, dropoutSeeds);
  }
  mlm(
    seqs: number[][],
    rows: Int32Array,
    targets: Int32Array,
    denominator: number,
    dropoutSeeds?: number[],
  ): Promise<number> {
    return this.call('mlm', seqs, rows, targets, denominator, dropoutSeeds);
  }
  takeGrads(): Promise<Float32Array> {
    return this.call('takeGrads');
  }
  tensorCount(): Promise<number> {
    return this.call('tensorCount');
  }
  async close(): Promise<void> {
    try {
      await this.call('close');
    } finally {
      await this.worker.terminate();
    }
  }
}

/**
 * How many replicas to run: GECKO_WORKERS when set, else one per core (at most 2) on wasm,
 * and 1 on tfjs-node / tfjs-node-gpu (which use every core, or the GPU, from one thread).
 */
export function defaultReplicaCount(tfBackend: string): number {
  return workersSetting() ?? (tfBackend === 'wasm' ? Math.max(1, Math.min(2, cpus().length)) : 1);
}

/**
 * `count` replicas of an encoder: this thread first, then count - 1 worker threads on the
 * same backend (workers are used on wasm/cpu only: tfjs-node shares one native runtime).
 * @example const replicas = await startReplicas(cfg, 2, tf.getBackend());
 */
export async function startReplicas(cfg: EncoderConfig, count: number, tfBackend: string): Promise<Replica[]> {
  const { LocalReplica } = await import('./replica');
  const out: Replica[] = [new LocalReplica(cfg)];
  const workerBackend = tfBackend === 'wasm' || tfBackend === 'cpu' ? tfBackend : undefined;
  if (count > 1 && !workerBackend)
    throw new GeckoError(
      `${count} replicas requested on backend '${tfBackend}'`,
      'worker replicas run on wasm or cpu only; set GECKO_WORKERS=1',
    );
  const workers = await Promise.all(Array.from({ length: count - 1 }, () => WorkerReplica.start(cfg, workerBackend!)));
  return out.concat(workers);
}
