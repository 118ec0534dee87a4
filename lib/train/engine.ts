// The training engine: flat parameters + AdamW state on the main thread, replicas (this
// thread and worker threads) that compute gradients. One contrastive step:
//   1. sort the step's texts by length and deal them round-robin to the replicas
//      (balanced tokens), each replica's share cut into chunks of at most chunkSize texts;
//   2. embed every chunk (keeping activations, or without them under GradCache);
//   3. on the main thread, the loss of the whole batch and d loss / d embeddings: the loss's host
//      form (plain loops, e.g. losses/contrastive.ts: contrastiveLossHost) when it has one, else tf.grad;
//   4. backpropagate chunk by chunk (GradCache recomputes each chunk's forward first);
//   5. sum the replicas' gradients, check them, clip, AdamW, send the new weights out.
// Dropout masks are drawn per text from per-step seeds, so they are the same whichever
// chunk or replica a text lands in: GradCache and plain training compute the same thing.
//
// On the onnx path a step that is one chunk without GradCache, with a loss that has an ONNX form,
// runs 2-4 as one onnxruntime run instead (OnnxReplica.contrastiveStep): no activation leaves it.
// This is the packed path (TrainEngine), built for wasm; with one OnnxReplica it is the onnx path. The device path (device-engine.ts,
// DeviceEngine) keeps weights and optimizer state on the backend's device; both implement
// Engine, write the same checkpoints and compute the same steps. createEngine() (create-engine.ts)
// picks one.
import * as tf from '@tensorflow/tfjs';
import type { EnginePath } from '../backend/engine-path';
import { GeckoError } from '../core/errors';
import type { EncoderConfig } from '../encoder/config';
import { inferenceRuntime } from '../backend/onnx';
import { encodeSeqs } from '../encoder/embedder';
import { OnnxReplica, type OnnxStepLoss } from '../encoder/onnx-replica';
import { paramCount, paramSpecs } from '../encoder/params';
import type { Replica } from '../encoder/replica';
import { startReplicas } from '../encoder/worker-pool';
import { adamwInit, adamwStep, ADAMW_DEFAULTS, type AdamWOptions, type AdamWState } from './adamw';
import { OnnxAdamW } from './adamw-onnx';
import { clipGlobalNorm, clipScale, globalNorm } from './clip';
import { phase } from '../core/step-profile';

/** Training diverged: the message says at which step and what was non-finite. */
export class NonFiniteError extends GeckoError {
  constructor(
    readonly step: number,
    what: string,
    hint: string,
  ) {
    super(`step ${step}: ${what} is not finite; training stopped before applying this update`, hint);
    this.name = 'NonFiniteError';
  }
}

export interface ChunkOptions {
  /** Most texts per forward/backward call (bounds activation memory). */
  chunkSize: number;
  /** GradCache: embed chunks without activations, then recompute each chunk with activations for its backward. */
  gradCache: boolean;
}

/**
 * A loss over the (N, D) embedding matrix, as TF.js ops (tf.grad differentiates it); optionally with
 * `host`, the same loss on the host rows with its gradient written out, which the packed and onnx
 * engines use instead of tf.grad (the device engine keeps the TF.js form on the device).
 */
export type EmbeddingLoss = ((emb: tf.Tensor2D) => tf.Scalar) & {
  host?: (E: Float32Array, N: number, D: number) => { loss: number; dE: Float32Array };
  /** The loss as ONNX nodes (losses/contrastive-onnx.ts): the onnx path then runs a whole step in one graph. */
  onnx?: OnnxStepLoss;
};

/** What every engine's step returns: the loss and the tokens it saw (the gradient stays inside the engine's result). */
export interface EngineStep {
  loss: number;
  tokens: number;
}

/** The packed path's step: the gradient as one flat host array (paramSpecs order). */
export interface StepResult extends EngineStep {
  grads: Float32Array;
}

/** A training engine: parameters, optimizer state and the compute that turns a batch into an update. */
export interface Engine {
  readonly path: EnginePath;
  readonly config: EncoderConfig;
  /** Loss and gradient of a contrastive loss over the embeddings of `seqs` (see contrastiveGrads). */
  contrastive(
    seqs: number[][],
    loss: EmbeddingLoss,
    opts: ChunkOptions & { dropoutSeeds?: number[] },
  ): Promise<EngineStep>;
  /** Loss and gradient of the mean MLM cross-entropy over all masked tokens. */
  mlm(batch: MlmBatch, opts: { chunkSize: number; dropoutSeeds?: number[] }): Promise<EngineStep>;
  /** Check, clip and apply a step from this engine; returns the gradient norm before clipping. */
  update(step: number, r: EngineStep, o: UpdateOptions): Promise<number>;
  /** Embeddings (no dropout) of token sequences, in input order, in batches of at most batchSize. */
  encode(seqs: readonly number[][], batchSize: number, onProgress?: (done: number) => void): Promise<Float32Array[]>;
  /** Host copies of the weights and AdamW state, for checkpoints (not for use inside a step). */
  snapshot(): Promise<{ params: Float32Array; optimizer: AdamWState }>;
  /** Live tensors per TF.js engine (leak checks). */
  tensorCounts(): Promise<number[]>;
  close(): Promise<void>;
}

/** Which texts go to which replica, in which chunks: deterministic for a given replica count. */
export function planChunks(lengths: readonly number[], replicas: number, chunkSize: number): number[][][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const shares: number[][] = Array.from({ length: replicas }, () => []);
  order.forEach((i, k) => shares[k % replicas]!.push(i));
  return shares.map((share) => {
    const chunks: number[][] = [];
    for (let i = 0; i < share.length; i += chunkSize) chunks.push(share.slice(i, i + chunkSize));
    return chunks;
  });
}

/**
 * Gradients of a loss over the embeddings of `seqs` (one row per text, in input order).
 * `loss` maps the (N, D) embedding matrix to a scalar; it runs on the main thread's backend.
 */
export async function contrastiveGrads(
  replicas: Replica[],
  dModel: number,
  seqs: number[][],
  loss: EmbeddingLoss,
  opts: ChunkOptions & { dropoutSeeds?: number[] },
): Promise<StepResult> {
  const N = seqs.length,
    D = dModel;
  const plan = planChunks(
    seqs.map((s) => s.length),
    replicas.length,
    opts.chunkSize,
  );
  const seedsOf = (chunk: number[]) => (opts.dropoutSeeds ? chunk.map((i) => opts.dropoutSeeds![i]!) : undefined);
  const E = new Float32Array(N * D);
  let done = phase('forward (pass 1)');
  // pass 1: embeddings. Workers (r > 0) get their requests first so that all cores run at once.
  const pass1: Promise<void>[] = [];
  for (let r = replicas.length - 1; r >= 0; r--) {
    plan[r]!.forEach((chunk, c) => {
      const s = chunk.map((i) => seqs[i]!);
      const p = opts.gradCache ? replicas[r]!.encode(s, seedsOf(chunk)) : replicas[r]!.forward(c, s, seedsOf(chunk));
      pass1.push(p.then((flat) => chunk.forEach((i, k) => E.set(flat.subarray(k * D, (k + 1) * D), i * D))));
    });
  }
  await Promise.all(pass1);
  done();
  done = phase('loss + d loss/d embeddings');
  // the loss and its gradient with respect to every embedding row
  const { loss: lossValue, dE: dEs } = loss.host ? loss.host(E, N, D) : tfLossGrad(loss, E, N, D);
  done();
  done = phase('backward (pass 2)');
  // pass 2: backward chunk by chunk
  const rowsOf = (chunk: number[]) => {
    const out = new Float32Array(chunk.length * D);
    chunk.forEach((i, k) => out.set(dEs.subarray(i * D, (i + 1) * D), k * D));
    return out;
  };
  const pass2: Promise<void>[] = [];
  for (let r = replicas.length - 1; r >= 0; r--) {
    plan[r]!.forEach((chunk, c) => {
      pass2.push(
        opts.gradCache
          ? replicas[r]!.forwardBackward(
              chunk.map((i) => seqs[i]!),
              rowsOf(chunk),
              seedsOf(chunk),
            )
          : replicas[r]!.backward(c, rowsOf(chunk)),
      );
    });
  }
  await Promise.all(pass2);
  done();
  done = phase('gradient sum');
  const grads = await sumGrads(replicas);
  done();
  return { loss: lossValue, grads, tokens: seqs.reduce((a, s) => a + s.length, 0) };
}

/** A loss and d loss / d E by TF.js autograd on the main thread's backend. */
function tfLossGrad(loss: EmbeddingLoss, E: Float32Array, N: number, D: number): { loss: number; dE: Float32Array } {
  const { value, dE } = tf.tidy(() => {
    const e = tf.tensor2d(E, [N, D]);
    const g = tf.valueAndGrad((x: tf.Tensor) => loss(x as tf.Tensor2D))(e);
    return { value: g.value, dE: g.grad };
  });
  const out = { loss: value.dataSync()[0]!, dE: dE.dataSync() as Float32Array };
  tf.dispose([value, dE]);
  return out;
}

/** One MLM step's input: the (already masked) sequences and, per sequence, the masked positions and original ids. */
export interface MlmBatch {
  seqs: number[][];
  maskedPositions: number[][];
  targets: number[][];
}

/** Gradients of the mean MLM cross-entropy over all masked tokens of the batch. */
export async function mlmGrads(
  replicas: Replica[],
  batch: MlmBatch,
  opts: { chunkSize: number; dropoutSeeds?: number[] },
): Promise<StepResult> {
  const total = batch.maskedPositions.reduce((a, m) => a + m.length, 0);
  if (total === 0)
    throw new GeckoError('MLM step with no masked token', 'raise pretrain.maskProb or use longer sequences');
  const plan = planChunks(
    batch.seqs.map((s) => s.length),
    replicas.length,
    opts.chunkSize,
  );
  const parts: Promise<number>[] = [];
  for (let r = replicas.length - 1; r >= 0; r--) {
    for (const chunk of plan[r]!) {
      const rows: number[] = [],
        targets: number[] = [];
      let off = 0;
      for (const i of chunk) {
        batch.maskedPositions[i]!.forEach((p, k) => {
          rows.push(off + p);
          targets.push(batch.targets[i]![k]!);
        });
        off += batch.seqs[i]!.length;
      }
      if (rows.length === 0) continue; // nothing to predict in this chunk: no gradient
      parts.push(
        replicas[r]!.mlm(
          chunk.map((i) => batch.seqs[i]!),
          Int32Array.from(rows),
          Int32Array.from(targets),
          total,
          opts.dropoutSeeds ? chunk.map((i) => opts.dropoutSeeds![i]!) : undefined,
        ),
      );
    }
  }
  const losses = await Promise.all(parts);
  const grads = await sumGrads(replicas);
  return { loss: losses.reduce((a, b) => a + b, 0), grads, tokens: batch.seqs.reduce((a, s) => a + s.length, 0) };
}

/** Sum of every replica's accumulated gradient, in replica order (deterministic). */
async function sumGrads(replicas: Replica[]): Promise<Float32Array> {
  const all = await Promise.all(replicas.map((r) => r.takeGrads()));
  const out = all[0]!;
  for (let r = 1; r < all.length; r++) {
    const g = all[r]!;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + g[i]!;
  }
  return out;
}

export interface UpdateOptions {
  lr: number;
  /** Clip the global gradient norm to this (0 = no clipping). */
  clipNorm: number;
  adamw?: AdamWOptions;
}

/**
 * Parameters, optimizer state and replicas of one training run.
 * @example const eng = await TrainEngine.create(cfg, initParams(cfg, seed)); const r = await eng.contrastive(seqs, lossFn, {...}); eng.update(0, r, {...}); await eng.close();
 */
export class TrainEngine implements Engine {
  /** 1 where weight decay applies: matrices and embeddings (not biases, not LayerNorm). */
  readonly decayMask: Uint8Array;

  private constructor(
    readonly path: 'packed' | 'onnx',
    readonly config: EncoderConfig,
    readonly params: Float32Array,
    public opt: AdamWState,
    readonly replicas: Replica[],
    decayAll: boolean,
    /** AdamW as its own onnxruntime graph (adamw-onnx.ts), when asked for on the onnx path. */
    private onnxAdamW?: OnnxAdamW,
    /** On the onnx path, a contrastive step with an ONNX loss as one graph run (contrastive()). */
    private readonly oneRunStep = true,
  ) {
    this.decayMask = new Uint8Array(params.length);
    for (const s of paramSpecs(config))
      if (decayAll || s.shape.length === 2) this.decayMask.fill(1, s.offset, s.offset + s.size);
  }

  /**
   * Start replicas with these weights: on the packed path this thread + replicas - 1 workers; on
   * the onnx path one onnxruntime replica (it uses the cores itself; `replicas` is ignored).
   * decayAll: weight decay on every parameter (torch's AdamW default). adamw: 'onnx' runs AdamW
   * (with the clipping scale) as its own onnxruntime graph on the onnx path; 'host' (default) is
   * adamw.ts's loop: on the CPU provider the loop is faster at USE-lite's 7 M parameters (the graph's
   * 16 unfused elementwise passes against one; experiments.md), while the graph is the form a GPU
   * provider could keep on the device. oneRunStep (default true): on the onnx path, a one-chunk
   * contrastive step whose loss has an ONNX form runs as one graph (contrastive()); false keeps the
   * forward and backward graphs (the A/B of `npm run profile:step -- --two-pass`, and the tests' reference).
   */
  static async create(
    config: EncoderConfig,
    params: Float32Array,
    opts: {
      replicas?: number;
      optimizer?: AdamWState;
      decayAll?: boolean;
      path?: 'packed' | 'onnx';
      adamw?: 'host' | 'onnx';
      oneRunStep?: boolean;
    } = {},
  ): Promise<TrainEngine> {
    const n = paramCount(paramSpecs(config));
    if (params.length !== n) throw new GeckoError(`TrainEngine: ${params.length} parameters for an encoder with ${n}`);
    const path = opts.path ?? 'packed';
    const { ort, reason } = inferenceRuntime();
    if (path === 'onnx' && !ort)
      throw new GeckoError(`the onnx training path needs onnxruntime-node, but ${reason}`, 'use GECKO_ENGINE=packed');
    const replicas =
      path === 'onnx'
        ? [new OnnxReplica(config, ort!)]
        : await startReplicas(config, opts.replicas ?? 1, tf.getBackend());
    if (opts.adamw === 'onnx' && path !== 'onnx')
      throw new GeckoError(`TrainEngine: AdamW as an onnx graph runs on the onnx path, not on ${path}`);
    const eng = new TrainEngine(
      path,
      config,
      params.slice(),
      opts.optimizer ?? adamwInit(n),
      replicas,
      opts.decayAll ?? false,
      undefined,
      opts.oneRunStep ?? true,
    );
    if (opts.adamw === 'onnx') eng.onnxAdamW = await OnnxAdamW.create(ort!, n, eng.decayMask);
    await eng.broadcast();
    return eng;
  }

  /** Send the current weights to every replica. */
  async broadcast(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.setParams(this.params)));
  }

  async contrastive(
    seqs: number[][],
    loss: EmbeddingLoss,
    opts: ChunkOptions & { dropoutSeeds?: number[] },
  ): Promise<StepResult> {
    const r = this.replicas[0];
    // the onnx path runs the whole step as one graph when the loss has an ONNX form and the batch is
    // one chunk without GradCache (the same step as the two passes below, within float32 rounding)
    if (this.oneRunStep && loss.onnx && r instanceof OnnxReplica && !opts.gradCache && opts.chunkSize >= seqs.length) {
      const value = await r.contrastiveStep(seqs, loss.onnx, opts.dropoutSeeds);
      const done = phase('gradient sum');
      const grads = await sumGrads(this.replicas);
      done();
      return { loss: value, grads, tokens: seqs.reduce((a, s) => a + s.length, 0) };
    }
    return contrastiveGrads(this.replicas, this.config.dModel, seqs, loss, opts);
  }

  mlm(batch: MlmBatch, opts: { chunkSize: number; dropoutSeeds?: number[] }): Promise<StepResult> {
    return mlmGrads(this.replicas, batch, opts);
  }

  /**
   * Check, clip and apply a gradient, then broadcast the new weights. Throws NonFiniteError
   * (leaving weights and optimizer untouched) when the loss or the gradient is NaN/Inf.
   * Returns the gradient norm before clipping.
   */
  async update(step: number, r: StepResult, o: UpdateOptions): Promise<number> {
    if (!Number.isFinite(r.loss))
      throw new NonFiniteError(
        step,
        `the loss (${r.loss})`,
        'lower the learning rate or raise the temperature; the last good checkpoint is kept',
      );
    let done = phase('clip');
    // the onnx AdamW graph scales the gradient itself: here only its norm
    const norm = this.onnxAdamW ? globalNorm(r.grads) : clipGlobalNorm(r.grads, o.clipNorm);
    done();
    if (!Number.isFinite(norm))
      throw new NonFiniteError(
        step,
        `the gradient norm (${norm})`,
        'lower the learning rate; the last good checkpoint is kept',
      );
    done = phase('adamw');
    if (this.onnxAdamW)
      await this.onnxAdamW.step(
        this.params,
        r.grads,
        this.opt,
        o.lr,
        o.adamw ?? ADAMW_DEFAULTS,
        clipScale(norm, o.clipNorm),
      );
    else adamwStep(this.params, r.grads, this.opt, o.lr, o.adamw ?? ADAMW_DEFAULTS, this.decayMask);
    done();
    done = phase('broadcast');
    await this.broadcast();
    done();
    return norm;
  }

  encode(seqs: readonly number[][], batchSize: number, onProgress?: (done: number) => void): Promise<Float32Array[]> {
    return encodeSeqs(this.replicas, seqs, this.config.dModel, batchSize, onProgress);
  }

  async snapshot(): Promise<{ params: Float32Array; optimizer: AdamWState }> {
    return { params: this.params, optimizer: this.opt };
  }

  /** Live tensors in each replica (leak checks). */
  tensorCounts(): Promise<number[]> {
    return Promise.all(this.replicas.map((r) => r.tensorCount()));
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.close()));
    await this.onnxAdamW?.close();
  }
}
