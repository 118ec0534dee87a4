// The fast inference path: onnxruntime-node (its CPU build ships inside the npm package)
// running our encoder exported to ONNX (onnx-export.ts). Used automatically for encoding
// when the package loads; GECKO_ONNX=off or a failed load falls back to TF.js, and the
// reason is kept so that commands can say which runtime ran.
// Batches are sorted by length and padded only to their own longest text, so padding is small.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { readEnv } from '../core/env';
import { projectRoot } from '../core/paths';
import type { EncoderConfig } from './config';
import { exportEncoderOnnx } from './onnx-export';

export type OrtModule = typeof Ort;

/** Which inference runtime runs encoding and exact search, and why. */
export interface InferenceRuntime {
  name: 'onnxruntime' | 'tfjs';
  reason: string;
  ort?: OrtModule;
}

let cached: InferenceRuntime | undefined;

/** Load onnxruntime-node once (unless GECKO_ONNX=off); the answer says why not when it cannot. */
export function inferenceRuntime(): InferenceRuntime {
  if (cached) return cached;
  const mode = (readEnv('GECKO_ONNX') ?? 'auto').toLowerCase();
  if (mode === 'off' || mode === '0' || mode === 'false') {
    cached = { name: 'tfjs', reason: 'GECKO_ONNX=off' };
    return cached;
  }
  try {
    const ort = createRequire(join(projectRoot(), 'package.json'))('onnxruntime-node') as OrtModule;
    cached = { name: 'onnxruntime', reason: `onnxruntime-node ${ort.env.versions?.node ?? ''} (CPU)`.trim(), ort };
  } catch (e) {
    const why = String((e as Error)?.message ?? e).split('\n')[0];
    cached = { name: 'tfjs', reason: `onnxruntime-node did not load (${why}); TF.js encodes instead` };
  }
  return cached;
}

/** Threads for one onnxruntime session: GECKO_WORKERS or 2 (the machine's 2 cores). */
export function ortThreads(): number {
  const env = readEnv('GECKO_WORKERS');
  return env !== undefined ? Math.max(1, Math.floor(Number(env)) || 1) : 2;
}

/** Session options used everywhere: all graph optimisations, intra-op threads, one inter-op thread. */
export function sessionOptions(threads = ortThreads()): Ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
  };
}

/** Pad a batch of token-id lists to its longest: ids and mask as int64 [B, L]. */
export function padBatch(seqs: readonly (readonly number[])[]): { ids: BigInt64Array; mask: BigInt64Array; L: number } {
  const L = Math.max(1, ...seqs.map((s) => s.length));
  const ids = new BigInt64Array(seqs.length * L),
    mask = new BigInt64Array(seqs.length * L);
  seqs.forEach((s, b) => {
    for (let j = 0; j < s.length; j++) {
      ids[b * L + j] = BigInt(s[j]!);
      mask[b * L + j] = 1n;
    }
  });
  return { ids, mask, L };
}

/** An exported encoder loaded in onnxruntime: encode token-id lists. */
export class OnnxEncoder {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly dim: number,
  ) {}

  static async create(
    cfg: EncoderConfig,
    params: Float32Array,
    ort: OrtModule,
    threads?: number,
  ): Promise<OnnxEncoder> {
    const bytes = exportEncoderOnnx(cfg, params);
    const session = await ort.InferenceSession.create(bytes, sessionOptions(threads));
    return new OnnxEncoder(ort, session, cfg.dModel);
  }

  /** Embeddings of one padded batch, flat (B * dim). */
  async encodeBatch(seqs: readonly (readonly number[])[]): Promise<Float32Array> {
    const { ids, mask, L } = padBatch(seqs);
    const B = seqs.length;
    const out = await this.session.run({
      input_ids: new this.ort.Tensor('int64', ids, [B, L]),
      attention_mask: new this.ort.Tensor('int64', mask, [B, L]),
    });
    const e = out.sentence_embedding!;
    const data = e.data as Float32Array;
    e.dispose?.();
    return data;
  }

  /** Sort by length, encode in batches, return in input order. */
  async encode(
    seqs: readonly number[][],
    batchSize: number,
    onProgress?: (done: number) => void,
  ): Promise<Float32Array[]> {
    const order = seqs.map((_, i) => i).sort((a, b) => seqs[b]!.length - seqs[a]!.length || a - b);
    const out: Float32Array[] = new Array(seqs.length);
    let done = 0;
    for (let i = 0; i < order.length; i += batchSize) {
      const b = order.slice(i, i + batchSize);
      const flat = await this.encodeBatch(b.map((j) => seqs[j]!));
      b.forEach((j, k) => {
        out[j] = flat.slice(k * this.dim, (k + 1) * this.dim);
      });
      done += b.length;
      onProgress?.(done);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
