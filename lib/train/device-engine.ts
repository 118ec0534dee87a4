// The device path: a training engine whose weights and AdamW moments live on the TF.js
// backend's device as tf.Variables (a GPU under tensorflow-gpu or webgpu), chosen
// automatically on every backend but wasm and cpu (see enginePath). One step:
//   1. sort the texts by length and cut them into chunks (length buckets) of at most
//      chunkSize; pad each chunk to its longest text (padded.ts: batched attention + key mask);
//   2. the loss of the whole batch and its gradient by autograd (tf.variableGrads);
//      with gradCache, embeddings first without a tape, then each chunk's gradient from
//      d loss / d embeddings (GradCache), summed on the device;
//   3. the loss and the global gradient norm come back as two scalars (one `await data()`);
//   4. clip and AdamW with TF.js ops, in place on the variables.
// No dataSync() anywhere: WebGPU cannot read synchronously in Node. Dropout masks are drawn
// on the host from the same per-text seeds as the packed path and uploaded, so both paths
// compute the same step and resume each other's checkpoints (same format: snapshot()).
import * as tf from '@tensorflow/tfjs';
import { GeckoError } from '../core/errors';
import type { EncoderConfig } from '../encoder/config';
import type { ParamTensors } from '../encoder/model';
import { paddedForward, paddedMlmLoss, padBatch } from '../encoder/padded';
import { paramCount, paramSpecs, type ParamSpec } from '../encoder/params';
import { ADAMW_DEFAULTS, adamwInit, type AdamWOptions, type AdamWState } from './adamw';
import {
  NonFiniteError,
  type ChunkOptions,
  type Engine,
  type EngineStep,
  type MlmBatch,
  type UpdateOptions,
} from './engine';

/** A device-path step: the gradient stays on the device until update() (or release()) disposes it. */
export interface DeviceStep extends EngineStep {
  /** Global L2 norm of the gradient before clipping (read back with the loss). */
  gradNorm: number;
  /** One gradient tensor per parameter, in paramSpecs order. */
  grads: tf.Tensor[];
}

/** Texts sorted longest first (ties by index), cut into chunks of at most `size`: length buckets. */
function lengthChunks(lengths: readonly number[], size: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const n = Math.max(1, Math.min(size, order.length));
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += n) out.push(order.slice(i, i + n));
  return out;
}

/**
 * Weights and AdamW state as tf.Variables; steps by autograd on padded, batched tensors.
 * @example const eng = await DeviceEngine.create(cfg, initParams(cfg, 1)); const r = await eng.contrastive(seqs, loss, { chunkSize: 64, gradCache: false }); await eng.update(1, r, { lr: 1e-4, clipNorm: 1 });
 */
export class DeviceEngine implements Engine {
  readonly path = 'device' as const;
  private readonly specs: ParamSpec[];
  private readonly P: ParamTensors;
  private readonly vars: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private readonly decay: boolean[];
  private t: number;

  private constructor(
    readonly config: EncoderConfig,
    params: Float32Array,
    opt: AdamWState,
    decayAll: boolean,
  ) {
    this.specs = paramSpecs(config);
    const make = (flat: Float32Array, s: ParamSpec, trainable: boolean) => {
      const init = tf.tensor(flat.subarray(s.offset, s.offset + s.size), s.shape, 'float32');
      const v = tf.variable(init, trainable);
      init.dispose();
      return v;
    };
    this.vars = this.specs.map((s) => make(params, s, true));
    this.m = this.specs.map((s) => make(opt.m, s, false));
    this.v = this.specs.map((s) => make(opt.v, s, false));
    this.t = opt.t;
    this.decay = this.specs.map((s) => decayAll || s.shape.length === 2);
    this.P = Object.fromEntries(this.specs.map((s, i) => [s.name, this.vars[i]!]));
  }

  /** Upload weights (and optimizer state) to the device. decayAll: weight decay on every parameter. */
  static async create(
    config: EncoderConfig,
    params: Float32Array,
    opts: { optimizer?: AdamWState; decayAll?: boolean } = {},
  ): Promise<DeviceEngine> {
    const n = paramCount(paramSpecs(config));
    if (params.length !== n) throw new GeckoError(`DeviceEngine: ${params.length} parameters for an encoder with ${n}`);
    return new DeviceEngine(config, params, opts.optimizer ?? adamwInit(n), opts.decayAll ?? false);
  }

  /** Gradients by variable name -> one tensor per parameter in spec order (zeros where a parameter got none). */
  private ordered(named: tf.NamedTensorMap): tf.Tensor[] {
    return this.vars.map((v) => named[v.name] ?? tf.zerosLike(v));
  }

  /** acc + g elementwise (both disposed); g when acc is undefined. */
  private static sum(acc: tf.Tensor[] | undefined, g: tf.Tensor[]): tf.Tensor[] {
    if (!acc) return g;
    const out = acc.map((a, i) => tf.add(a, g[i]!));
    tf.dispose(acc);
    tf.dispose(g);
    return out;
  }

  /** Read the loss and the gradient norm back (the step's only device-to-host copy). */
  private async finish(value: tf.Scalar, grads: tf.Tensor[], tokens: number): Promise<DeviceStep> {
    const stats = tf.tidy(() => tf.stack([value, tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))))]));
    value.dispose();
    const [loss, gradNorm] = await stats.data();
    stats.dispose();
    return { loss: loss!, gradNorm: gradNorm!, grads, tokens };
  }

  private embed(seqs: readonly number[][], chunk: readonly number[], seeds?: readonly number[]): tf.Tensor2D {
    const dropoutSeeds = seeds ? chunk.map((i) => seeds[i]!) : undefined;
    return paddedForward(this.config, this.P, padBatch(chunk.map((i) => seqs[i]!)), { dropoutSeeds }).emb;
  }

  async contrastive(
    seqs: number[][],
    loss: (emb: tf.Tensor2D) => tf.Scalar,
    opts: ChunkOptions & { dropoutSeeds?: number[] },
  ): Promise<DeviceStep> {
    const chunks = lengthChunks(
      seqs.map((s) => s.length),
      opts.chunkSize,
    );
    const inverse = new Int32Array(seqs.length);
    chunks.flat().forEach((i, k) => (inverse[i] = k));
    // every chunk's embeddings, rows back in input order
    const all = () => {
      const parts = chunks.map((c) => this.embed(seqs, c, opts.dropoutSeeds));
      return tf.gather(parts.length === 1 ? parts[0]! : tf.concat(parts, 0), tf.tensor1d(inverse, 'int32'));
    };
    const tokens = seqs.reduce((a, s) => a + s.length, 0);
    if (!opts.gradCache) {
      const r = tf.variableGrads(() => loss(all() as tf.Tensor2D), this.vars);
      return this.finish(r.value, this.ordered(r.grads), tokens);
    }
    // GradCache: embeddings without a tape, d loss / d embeddings, then chunk by chunk
    const E = tf.tidy(all) as tf.Tensor2D;
    const { value, grad: dE } = tf.valueAndGrad((e: tf.Tensor) => loss(e as tf.Tensor2D))(E);
    E.dispose();
    let acc: tf.Tensor[] | undefined;
    for (const c of chunks) {
      const dEc = tf.tidy(() => tf.gather(dE, tf.tensor1d(Int32Array.from(c), 'int32')));
      const r = tf.variableGrads(() => tf.sum(tf.mul(this.embed(seqs, c, opts.dropoutSeeds), dEc)), this.vars);
      tf.dispose([r.value, dEc]);
      acc = DeviceEngine.sum(acc, this.ordered(r.grads));
    }
    dE.dispose();
    return this.finish(value as tf.Scalar, acc!, tokens);
  }

  async mlm(batch: MlmBatch, opts: { chunkSize: number; dropoutSeeds?: number[] }): Promise<DeviceStep> {
    const total = batch.maskedPositions.reduce((a, m) => a + m.length, 0);
    if (total === 0)
      throw new GeckoError('MLM step with no masked token', 'raise pretrain.maskProb or use longer sequences');
    let acc: tf.Tensor[] | undefined;
    let lossSum: tf.Scalar | undefined;
    for (const chunk of lengthChunks(
      batch.seqs.map((s) => s.length),
      opts.chunkSize,
    )) {
      const pb = padBatch(chunk.map((i) => batch.seqs[i]!));
      const rows: number[] = [],
        targets: number[] = [];
      chunk.forEach((i, k) =>
        batch.maskedPositions[i]!.forEach((p, j) => {
          rows.push(k * pb.L + p);
          targets.push(batch.targets[i]![j]!);
        }),
      );
      if (rows.length === 0) continue; // nothing to predict in this chunk: no gradient
      const dropoutSeeds = opts.dropoutSeeds ? chunk.map((i) => opts.dropoutSeeds![i]!) : undefined;
      const r = tf.variableGrads(() => {
        const f = paddedForward(this.config, this.P, pb, { dropoutSeeds });
        return paddedMlmLoss(this.config, f.hidden, Int32Array.from(rows), Int32Array.from(targets), this.P, total);
      }, this.vars);
      acc = DeviceEngine.sum(acc, this.ordered(r.grads));
      if (lossSum) {
        const s = tf.add(lossSum, r.value) as tf.Scalar;
        tf.dispose([lossSum, r.value]);
        lossSum = s;
      } else lossSum = r.value;
    }
    return this.finish(
      lossSum!,
      acc!,
      batch.seqs.reduce((a, s) => a + s.length, 0),
    );
  }

  /**
   * Check, clip and apply a step on the device. Throws NonFiniteError (weights and optimizer
   * untouched) when the loss or the gradient norm is NaN/Inf. Disposes the step's gradients.
   */
  async update(step: number, r: EngineStep, o: UpdateOptions): Promise<number> {
    const d = r as DeviceStep;
    if (!Array.isArray(d.grads) || d.grads.length !== this.vars.length)
      throw new GeckoError('DeviceEngine.update: this step was not computed by this engine');
    try {
      if (!Number.isFinite(d.loss))
        throw new NonFiniteError(
          step,
          `the loss (${d.loss})`,
          'lower the learning rate or raise the temperature; the last good checkpoint is kept',
        );
      if (!Number.isFinite(d.gradNorm))
        throw new NonFiniteError(
          step,
          `the gradient norm (${d.gradNorm})`,
          'lower the learning rate; the last good checkpoint is kept',
        );
      const scale = o.clipNorm > 0 && d.gradNorm > o.clipNorm ? o.clipNorm / (d.gradNorm + 1e-6) : 1;
      this.adamw(d.grads, scale, o.lr, o.adamw ?? ADAMW_DEFAULTS);
      return d.gradNorm;
    } finally {
      this.release(d);
    }
  }

  /** AdamW (torch order, as adamw.ts) on the variables, with the gradient scaled by `scale` (clipping). */
  private adamw(grads: tf.Tensor[], scale: number, lr: number, opts: AdamWOptions): void {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = opts;
    this.t += 1;
    const stepSize = lr / (1 - Math.pow(b1, this.t));
    const sqrtC2 = Math.sqrt(1 - Math.pow(b2, this.t));
    const shrink = 1 - lr * wd;
    tf.tidy(() => {
      this.vars.forEach((p, i) => {
        const g = scale === 1 ? grads[i]! : tf.mul(grads[i]!, scale);
        const m = tf.add(tf.mul(this.m[i]!, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i]!, b2), tf.mul(tf.square(g), 1 - b2));
        const p0 = this.decay[i] ? tf.mul(p, shrink) : p;
        const next = tf.sub(p0, tf.div(tf.mul(m, stepSize), tf.add(tf.div(tf.sqrt(v), sqrtC2), eps)));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        p.assign(next);
      });
    });
  }

  /** Dispose a step's gradients without applying them. */
  release(r: DeviceStep): void {
    tf.dispose(r.grads);
    r.grads = [];
  }

  /** Host copy of a step's gradient, flat in paramSpecs order (tests and debugging). */
  async hostGrads(r: DeviceStep): Promise<Float32Array> {
    return this.flatten(r.grads);
  }

  private async flatten(ts: readonly tf.Tensor[]): Promise<Float32Array> {
    const out = new Float32Array(paramCount(this.specs));
    for (let i = 0; i < ts.length; i++) out.set((await ts[i]!.data()) as Float32Array, this.specs[i]!.offset);
    return out;
  }

  async encode(
    seqs: readonly number[][],
    batchSize: number,
    onProgress?: (done: number) => void,
  ): Promise<Float32Array[]> {
    const D = this.config.dModel;
    const out: Float32Array[] = new Array(seqs.length);
    let done = 0;
    for (const b of lengthChunks(
      seqs.map((s) => s.length),
      batchSize,
    )) {
      const e = tf.tidy(() => this.embed(seqs, b));
      const flat = (await e.data()) as Float32Array;
      e.dispose();
      b.forEach((i, k) => (out[i] = flat.slice(k * D, (k + 1) * D)));
      done += b.length;
      onProgress?.(done);
    }
    return out;
  }

  async snapshot(): Promise<{ params: Float32Array; optimizer: AdamWState }> {
    return {
      params: await this.flatten(this.vars),
      optimizer: { m: await this.flatten(this.m), v: await this.flatten(this.v), t: this.t },
    };
  }

  async tensorCounts(): Promise<number[]> {
    return [tf.memory().numTensors];
  }

  async close(): Promise<void> {
    tf.dispose([...this.vars, ...this.m, ...this.v]);
    this.vars.length = 0;
  }
}
