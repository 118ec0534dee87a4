// The fast inference path: onnxruntime-node running our encoder exported to ONNX
// (onnx-export.ts). EncoderEmbedder uses it whenever backend/onnx.ts finds the runtime.
// Batches are sorted by length and padded only to their own longest text, so padding is small.
import type * as Ort from 'onnxruntime-node';
import { sessionOptions, type OrtModule } from '../backend/onnx';
import type { EncoderConfig } from './config';
import { exportEncoderOnnx } from './onnx-export';

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
    const out = await this.session.run(
      {
        input_ids: new this.ort.Tensor('int64', ids, [B, L]),
        attention_mask: new this.ort.Tensor('int64', mask, [B, L]),
      },
      ['sentence_embedding'],
    );
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
