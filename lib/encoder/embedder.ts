// EncoderEmbedder: our encoder behind the Embedder interface of core/types.ts. Texts must
// already be formatted (core/format.ts); they are tokenized, sorted by length so that
// batches are similar in length, encoded, and returned in input order as L2-normalised
// Float32Arrays. Encoding runs on onnxruntime-node (the encoder exported to ONNX,
// onnx-runtime.ts) when it loads, else on every TF.js replica (this thread + workers);
// `runtime` and `runtimeReason` say which ran and why.
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import type { Embedder } from '../core/types';
import { selectBackend } from '../backend/select';
import { checkpointId, loadCheckpoint } from './checkpoint';
import { encoderConfigFrom, type EncoderConfig } from './config';
import type { ExperimentConfig } from '../config/schema';
import { initParams } from './params';
import { enginePath } from '../backend/engine-path';
import { DeviceEncoder } from './device-encoder';
import type { EncodeReplica } from './replica';
import type { TextTokenizer } from './tokenizer';
import { defaultReplicaCount, startReplicas } from './worker-pool';
import { inferenceRuntime } from '../backend/onnx';
import { OnnxEncoder } from './onnx-runtime';
import { GeckoError } from '../core/errors';

export interface EmbedderOptions {
  /** Sequences per encoder call (default 64). */
  batchSize?: number;
  /** Replicas (threads) to use; default GECKO_WORKERS or one per core on wasm. */
  replicas?: number;
  /** Called with the number of texts finished after each batch. */
  onProgress?: (done: number) => void;
  /** Override the id (default: the checkpoint content hash). */
  id?: string;
  /** 'auto' (default): onnxruntime when it loads, else TF.js; 'tfjs' forces TF.js. */
  runtime?: 'auto' | 'tfjs';
  /** Where the weights came from (a checkpoint folder), for the message when they embed nonsense. */
  source?: string;
}

/**
 * Refuse embeddings that cannot mean anything (issue 21): any NaN or infinite value, or one and
 * the same vector for texts that tokenize differently (a collapsed or zeroed encoder). `source`
 * names the checkpoint in the message. Returns `vecs`.
 * @example return checkEmbeddings(vecs, seqs, 'runs/x/finetune/ckpt');
 */
export function checkEmbeddings(
  vecs: readonly Float32Array[],
  seqs: readonly (readonly number[])[],
  source: string,
): Float32Array[] {
  let bad = 0;
  for (const v of vecs) if (v.some((x) => !Number.isFinite(x))) bad++;
  const fix = `the checkpoint is damaged or its training diverged: delete the folder ${source} and rerun the command that trained it`;
  if (bad > 0)
    throw new GeckoError(
      `the encoder of ${source} produced NaN or infinite embeddings for ${bad} of ${vecs.length} texts`,
      fix,
    );
  const first = vecs[0];
  const distinct = new Set(seqs.map((s) => s.join(','))).size;
  if (first && distinct > 1) {
    let maxDiff = 0;
    for (const v of vecs) for (let j = 0; j < v.length; j++) maxDiff = Math.max(maxDiff, Math.abs(v[j]! - first[j]!));
    if (maxDiff <= 1e-6)
      throw new GeckoError(
        `the encoder of ${source} produced the same embedding for all ${vecs.length} texts (${distinct} different inputs): its weights are degenerate`,
        fix,
      );
  }
  return vecs as Float32Array[];
}

/**
 * Embed token sequences on replicas: sorted by length so that batches are similar in length,
 * batch b on replica b % R (workers get all their batches queued first, then this thread works
 * through its own, so every core is busy at once), results in input order.
 */
export async function encodeSeqs(
  replicas: readonly EncodeReplica[],
  seqs: readonly number[][],
  dim: number,
  batchSize: number,
  onProgress?: (done: number) => void,
): Promise<Float32Array[]> {
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[b]!.length - seqs[a]!.length || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  const out: Float32Array[] = new Array(seqs.length);
  let done = 0;
  const R = replicas.length;
  const pending: Promise<void>[] = [];
  for (let r = R - 1; r >= 0; r--) {
    batches.forEach((b, bi) => {
      if (bi % R !== r) return;
      pending.push(
        replicas[r]!.encode(b.map((i) => seqs[i]!)).then((flat) => {
          b.forEach((i, k) => {
            out[i] = flat.slice(k * dim, (k + 1) * dim);
          });
          done += b.length;
          onProgress?.(done);
        }),
      );
    });
  }
  await Promise.all(pending);
  return out;
}

/**
 * Our encoder as an Embedder. Call close() when done (it stops worker threads and frees tensors).
 * @example const e = await loadEmbedder('runs/x/finetune/ckpt'); const [v] = await e.embed([formatQuery('search result', 'gecko')]); await e.close();
 */
export class EncoderEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  onProgress?: (done: number) => void;
  /** The checkpoint folder the weights came from (messages name it); else the id. */
  source?: string;

  private constructor(
    readonly config: EncoderConfig,
    readonly tokenizer: TextTokenizer,
    private readonly replicas: EncodeReplica[],
    id: string,
    private readonly batchSize: number,
    private readonly onnx?: OnnxEncoder,
    /** Why this runtime (e.g. 'onnxruntime-node 1.30.0 (CPU)' or why it did not load). */
    readonly runtimeReason = 'TF.js',
  ) {
    this.id = id;
    this.dim = config.dModel;
  }

  /** Which runtime encodes: 'onnxruntime' or 'tfjs'. */
  get runtime(): 'onnxruntime' | 'tfjs' {
    return this.onnx ? 'onnxruntime' : 'tfjs';
  }

  /**
   * Start the encoder with these weights: onnxruntime when it loads (except on a GPU backend,
   * where the TF.js device path runs on the GPU), else TF.js replicas: worker threads on the
   * packed path, one DeviceEncoder on the device path.
   */
  static async create(
    config: EncoderConfig,
    params: Float32Array,
    tokenizer: TextTokenizer,
    opts: EmbedderOptions = {},
  ): Promise<EncoderEmbedder> {
    const id = opts.id ?? checkpointId(config, params, tokenizer);
    const batchSize = opts.batchSize ?? 64;
    const backend = await selectBackend();
    const gpu = backend.name === 'tensorflow-gpu' || backend.name === 'webgpu';
    const rt =
      opts.runtime === 'tfjs' || gpu
        ? { name: 'tfjs', reason: gpu ? `TF.js on the GPU (${backend.name})` : 'TF.js (asked for)' }
        : inferenceRuntime();
    if ('ort' in rt && rt.ort) {
      const onnx = await OnnxEncoder.create(config, params, rt.ort, opts.replicas);
      const e = new EncoderEmbedder(config, tokenizer, [], id, batchSize, onnx, rt.reason);
      if (opts.onProgress) e.onProgress = opts.onProgress;
      if (opts.source) e.source = opts.source;
      return e;
    }
    const replicas: EncodeReplica[] =
      enginePath(backend.tfBackend) === 'device'
        ? [new DeviceEncoder(config)]
        : await startReplicas(config, opts.replicas ?? defaultReplicaCount(backend.tfBackend), tf.getBackend());
    await Promise.all(replicas.map((r) => r.setParams(params)));
    const e = new EncoderEmbedder(
      config,
      tokenizer,
      replicas,
      id,
      batchSize,
      undefined,
      `TF.js ${backend.name}; ${rt.reason}`,
    );
    if (opts.onProgress) e.onProgress = opts.onProgress;
    if (opts.source) e.source = opts.source;
    return e;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const seqs = texts.map((t) => this.tokenizer.encode(t, this.config.maxLen));
    const vecs = this.onnx
      ? await this.onnx.encode(seqs, this.batchSize, this.onProgress)
      : await encodeSeqs(this.replicas, seqs, this.dim, this.batchSize, this.onProgress);
    return checkEmbeddings(vecs, seqs, this.source ?? `the model ${this.id}`);
  }

  /** Live TF.js tensors in this thread (leak checks; 0 on onnxruntime). */
  async tensorCount(): Promise<number> {
    return this.replicas[0]?.tensorCount() ?? 0;
  }

  async close(): Promise<void> {
    await this.onnx?.close();
    await Promise.all(this.replicas.map((r) => r.close()));
  }
}

/**
 * The embedder of a checkpoint folder (gecko pretrain / gecko train output).
 * @example const e = await loadEmbedder('runs/x/finetune/ckpt');
 */
export async function loadEmbedder(checkpointDir: string, opts: EmbedderOptions = {}): Promise<EncoderEmbedder> {
  const ck = loadCheckpoint(checkpointDir);
  return EncoderEmbedder.create(ck.config, ck.params, ck.tokenizer, {
    id: ck.id,
    source: resolve(checkpointDir),
    ...opts,
  });
}

/**
 * A randomly initialised encoder (an evaluation baseline): same architecture and tokenizer,
 * seeded N(0, 0.02) weights. Its id says 'random'.
 * @example const e = await randomEmbedder(config.encoder, 1234, tokenizer);
 */
export async function randomEmbedder(
  encoder: ExperimentConfig['encoder'] | EncoderConfig,
  seed: number,
  tokenizer: TextTokenizer,
  opts: EmbedderOptions = {},
): Promise<EncoderEmbedder> {
  const config = 'vocabSize' in encoder ? encoder : encoderConfigFrom(encoder, tokenizer.vocabSize);
  const params = initParams(config, seed);
  return EncoderEmbedder.create(config, params, tokenizer, {
    id: `random:${checkpointId(config, params, tokenizer).slice(5)}`,
    ...opts,
  });
}
