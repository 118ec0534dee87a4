// A replica: one copy of the encoder on one TF.js backend, driven with flat parameter
// arrays and token ids, returning plain Float32Arrays. The trainer and the embedder talk
// to replicas only, so the same code runs in this thread (LocalReplica) or in a worker
// thread (worker-pool.ts), and the optimizer never touches tensors.
import * as tf from '@tensorflow/tfjs';
import type { EncoderConfig } from './config';
import {
  disposeCache,
  disposeParams,
  encoderBackward,
  encoderForward,
  packBatch,
  paramTensors,
  type EncoderCache,
  type ParamTensors,
} from './model';
import { paramCount, paramSpecs, type ParamSpec } from './params';
import { mlmLossAndGrads } from './ops/mlm-head';

/** What a replica does. Every call is async so that worker replicas share the interface. */
export interface Replica {
  /** Replace the weights (a flat array in paramSpecs order). */
  setParams(flat: Float32Array): Promise<void>;
  /** Embeddings (n * D, row-major) of token sequences, no gradients (dropout only when seeds are given: GradCache's first pass). */
  encode(seqs: number[][], dropoutSeeds?: number[]): Promise<Float32Array>;
  /** Training forward of one chunk; keeps the activations under `key` for backward(). */
  forward(key: number, seqs: number[][], dropoutSeeds?: number[]): Promise<Float32Array>;
  /** Backward of a kept chunk given d loss / d embeddings (n * D); adds into the gradient accumulator and frees the chunk. */
  backward(key: number, demb: Float32Array): Promise<void>;
  /** GradCache's second pass: forward with activations, backward with demb, free: one chunk at a time. */
  forwardBackward(seqs: number[][], demb: Float32Array, dropoutSeeds?: number[]): Promise<void>;
  /**
   * MLM on one chunk: forward, cross-entropy at the masked rows (packed row indices) divided by
   * `denominator` (the step's masked-token count), backward into the accumulator. Returns that loss share.
   */
  mlm(
    seqs: number[][],
    rows: Int32Array,
    targets: Int32Array,
    denominator: number,
    dropoutSeeds?: number[],
  ): Promise<number>;
  /** The accumulated gradient (flat, paramSpecs order); the accumulator restarts at zero. */
  takeGrads(): Promise<Float32Array>;
  /** Live TF.js tensors in this replica's engine (leak checks). */
  tensorCount(): Promise<number>;
  close(): Promise<void>;
}

/** The encoding half of a replica: all that embedding needs (DeviceEncoder implements only this). */
export type EncodeReplica = Pick<Replica, 'setParams' | 'encode' | 'tensorCount' | 'close'>;

/**
 * A replica in this thread, on the active TF.js backend.
 * @example const r = new LocalReplica(cfg); await r.setParams(flat); const emb = await r.encode([[5, 6, 7]]);
 */
export class LocalReplica implements Replica {
  private P: ParamTensors | undefined;
  private readonly specs: ParamSpec[];
  private acc: Float32Array;
  private readonly kept = new Map<number, EncoderCache>();

  constructor(readonly cfg: EncoderConfig) {
    this.specs = paramSpecs(cfg);
    this.acc = new Float32Array(paramCount(this.specs));
  }

  private params(): ParamTensors {
    if (!this.P) throw new Error('replica: setParams() was not called');
    return this.P;
  }

  async setParams(flat: Float32Array): Promise<void> {
    if (flat.length !== this.acc.length)
      throw new Error(`replica: ${flat.length} parameters given, the encoder has ${this.acc.length}`);
    if (this.P) disposeParams(this.P);
    this.P = paramTensors(this.cfg, flat);
  }

  async encode(seqs: number[][], dropoutSeeds?: number[]): Promise<Float32Array> {
    const f = encoderForward(this.cfg, this.params(), packBatch(seqs), { keepCache: false, dropoutSeeds });
    const out = f.emb.dataSync() as Float32Array;
    tf.dispose([f.hidden, f.emb]);
    return out;
  }

  async forward(key: number, seqs: number[][], dropoutSeeds?: number[]): Promise<Float32Array> {
    if (this.kept.has(key)) throw new Error(`replica: chunk ${key} is already kept`);
    const f = encoderForward(this.cfg, this.params(), packBatch(seqs), { keepCache: true, dropoutSeeds });
    const out = f.emb.dataSync() as Float32Array;
    tf.dispose([f.hidden, f.emb]);
    this.kept.set(key, f.cache!);
    return out;
  }

  async backward(key: number, demb: Float32Array): Promise<void> {
    const cache = this.kept.get(key);
    if (!cache) throw new Error(`replica: no kept chunk ${key}`);
    this.kept.delete(key);
    this.backwardFrom(cache, demb);
  }

  async forwardBackward(seqs: number[][], demb: Float32Array, dropoutSeeds?: number[]): Promise<void> {
    const f = encoderForward(this.cfg, this.params(), packBatch(seqs), { keepCache: true, dropoutSeeds });
    tf.dispose([f.hidden, f.emb]);
    this.backwardFrom(f.cache!, demb);
  }

  private backwardFrom(cache: EncoderCache, demb: Float32Array): void {
    const n = cache.offsets.length - 1;
    const d = tf.tensor2d(demb, [n, this.cfg.dModel]);
    const grads = encoderBackward(this.cfg, this.params(), cache, { demb: d });
    d.dispose();
    disposeCache(cache);
    this.accumulate(grads);
  }

  async mlm(
    seqs: number[][],
    rows: Int32Array,
    targets: Int32Array,
    denominator: number,
    dropoutSeeds?: number[],
  ): Promise<number> {
    const P = this.params();
    const f = encoderForward(this.cfg, P, packBatch(seqs), { keepCache: true, dropoutSeeds });
    const m = mlmLossAndGrads(
      f.hidden,
      rows,
      targets,
      P.tok_emb as tf.Tensor2D,
      P['mlm.bias'] as tf.Tensor1D,
      denominator,
    );
    const grads = encoderBackward(this.cfg, P, f.cache!, { dhidden: m.dhidden });
    const loss = m.loss.dataSync()[0]!;
    disposeCache(f.cache!);
    tf.dispose([f.hidden, f.emb, m.loss, m.dhidden]);
    this.accumulate(grads);
    this.accumulate({ tok_emb: m.dTokEmb, 'mlm.bias': m.dBias });
    return loss;
  }

  /** Add gradient tensors into the flat accumulator and dispose them. */
  private accumulate(grads: ParamTensors): void {
    for (const s of this.specs) {
      const g = grads[s.name];
      if (!g) continue;
      const data = g.dataSync();
      const acc = this.acc;
      for (let i = 0, o = s.offset; i < s.size; i++, o++) acc[o] = acc[o]! + data[i]!;
    }
    disposeParams(grads);
  }

  async takeGrads(): Promise<Float32Array> {
    const out = this.acc;
    this.acc = new Float32Array(out.length);
    return out;
  }

  async tensorCount(): Promise<number> {
    return tf.memory().numTensors;
  }

  async close(): Promise<void> {
    for (const c of this.kept.values()) disposeCache(c);
    this.kept.clear();
    if (this.P) disposeParams(this.P);
    this.P = undefined;
  }
}
