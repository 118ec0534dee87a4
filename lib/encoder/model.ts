// The encoder: token + learned position embeddings, pre-LN transformer blocks
// (x + Attn(LN(x)), x + FFN(LN(x)), exact GELU), a final LayerNorm, mean pooling over
// the real tokens (task prefix included: it is part of the text) and L2 normalisation.
//
// Sequences are packed: a batch is one (T, D) matrix of real tokens, T = sum of lengths,
// with no padding at all (attention runs per sequence, pooling averages each sequence's
// rows). This is the same function as padding + key mask + masked mean, minus the waste.
//
// The backward pass is written by hand (layers.ts), so a training step keeps only what it
// needs and runs every matmul on wasm's fast path. encoderForward/encoderBackward are the
// whole model; replica.ts turns them into a training step on flat parameter arrays.
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../core/rng';
import type { EncoderConfig } from './config';
import {
  attentionBackward,
  attentionForward,
  attentionOps,
  denseBackward,
  denseForward,
  embeddingBackward,
  embeddingForward,
  geluBackward,
  geluForward,
  layerNormBackward,
  layerNormForward,
  poolBackward,
  poolForward,
  tidy,
  type AttentionCache,
  type LayerNormCache,
} from './layers';
import { paramSpecs } from './params';

/** Parameter tensors by name (see params.ts). */
export type ParamTensors = Record<string, tf.Tensor>;

/** Make parameter tensors from a flat array. Caller disposes (disposeParams). */
export function paramTensors(cfg: EncoderConfig, flat: Float32Array): ParamTensors {
  const out: ParamTensors = {};
  for (const s of paramSpecs(cfg))
    out[s.name] = tf.tensor(flat.subarray(s.offset, s.offset + s.size), s.shape, 'float32');
  return out;
}

export function disposeParams(p: ParamTensors): void {
  for (const t of Object.values(p)) t.dispose();
}

/** Token ids of several texts, packed end to end. */
export interface PackedBatch {
  ids: Int32Array;
  /** Position of each token inside its own sequence (0-based). */
  positions: Int32Array;
  /** Sequence s owns tokens offsets[s]..offsets[s+1]-1; offsets.length = N + 1. */
  offsets: number[];
}

/** Pack token-id lists (each non-empty, already truncated to maxLen). @example packBatch([[5, 6], [7]]).offsets // [0, 2, 3] */
export function packBatch(seqs: readonly (readonly number[])[]): PackedBatch {
  const offsets = [0];
  for (const s of seqs) {
    if (s.length === 0) throw new Error('packBatch: empty token sequence (tokenizers return at least [UNK])');
    offsets.push(offsets[offsets.length - 1]! + s.length);
  }
  const T = offsets[offsets.length - 1]!;
  const ids = new Int32Array(T),
    positions = new Int32Array(T);
  seqs.forEach((s, i) => {
    const o = offsets[i]!;
    for (let j = 0; j < s.length; j++) {
      ids[o + j] = s[j]!;
      positions[o + j] = j;
    }
  });
  return { ids, positions, offsets };
}

interface LayerCache {
  ln1: LayerNormCache;
  a: tf.Tensor2D;
  att: AttentionCache;
  ctx: tf.Tensor2D;
  maskO?: tf.Tensor2D;
  ln2: LayerNormCache;
  b: tf.Tensor2D;
  h: tf.Tensor2D;
  g: tf.Tensor2D;
  maskF?: tf.Tensor2D;
}

/** Everything the backward pass needs. Dispose with disposeCache. */
export interface EncoderCache {
  ids: tf.Tensor1D;
  positions: tf.Tensor1D;
  offsets: number[];
  maskE?: tf.Tensor2D;
  layers: LayerCache[];
  lnf: LayerNormCache;
  emb: tf.Tensor2D;
  norm: tf.Tensor2D;
}

export interface ForwardOptions {
  /** Keep activations for encoderBackward. */
  keepCache: boolean;
  /**
   * Per-sequence dropout seeds (training). Masks are drawn per sequence from these seeds, so
   * they do not depend on how a batch is chunked or spread over workers. Omit for no dropout.
   */
  dropoutSeeds?: readonly number[];
  /** Use only TF.js ops (attentionOps) so that tf.grad can differentiate the forward: for gradient tests. */
  autograd?: boolean;
}

/** A dropout mask (T, D) of 0 and 1/(1-p), drawn per sequence from its seed and the site label. */
function dropoutMask(
  seeds: readonly number[],
  offsets: readonly number[],
  D: number,
  p: number,
  site: string,
): tf.Tensor2D {
  const T = offsets[offsets.length - 1]!;
  const m = new Float32Array(T * D);
  for (let s = 0; s + 1 < offsets.length; s++)
    fillDropout(m, offsets[s]! * D, (offsets[s + 1]! - offsets[s]!) * D, seeds[s]!, p, site);
  return tf.tensor2d(m, [T, D]);
}

/**
 * One sequence's dropout values (len * D, row-major) at `out[start..start+count)`: 0 or 1/(1-p),
 * drawn from the sequence's seed and the site label. The packed and the device (padded) paths
 * both draw through this, so their masks are the same.
 */
/**
 * The (N * L) x D dropout values of one site for texts of these lengths padded to L: each text's
 * rows as the packed path draws them, zero on padding. The device and onnx paths use this.
 */
export function paddedDropoutValues(
  lengths: readonly number[],
  L: number,
  seeds: readonly number[],
  D: number,
  p: number,
  site: string,
): Float32Array {
  const m = new Float32Array(lengths.length * L * D);
  lengths.forEach((len, s) => fillDropout(m, s * L * D, len * D, seeds[s]!, p, site));
  return m;
}

export function fillDropout(
  out: Float32Array,
  start: number,
  count: number,
  seed: number,
  p: number,
  site: string,
): void {
  new Rng(deriveSeed(seed, site)).fillKeep(out, start, count, p, 1 / (1 - p));
}

/**
 * Run the encoder on a packed batch. Returns the final hidden states (T, D) and the
 * L2-normalised mean-pooled embeddings (N, D); with keepCache also the cache for the backward.
 * Caller disposes hidden, emb and the cache.
 */
export function encoderForward(
  cfg: EncoderConfig,
  P: ParamTensors,
  batch: PackedBatch,
  opts: ForwardOptions,
): { hidden: tf.Tensor2D; emb: tf.Tensor2D; cache?: EncoderCache } {
  const D = cfg.dModel;
  const keep = opts.keepCache;
  const drop = opts.dropoutSeeds && cfg.dropout > 0 ? opts.dropoutSeeds : undefined;
  if (drop && drop.length !== batch.offsets.length - 1)
    throw new Error(`encoderForward: ${drop.length} dropout seeds for ${batch.offsets.length - 1} sequences`);
  const ids = tf.tensor1d(batch.ids, 'int32');
  const positions = tf.tensor1d(batch.positions, 'int32');
  const layers: LayerCache[] = [];
  let maskE: tf.Tensor2D | undefined;
  let x = tidy(() => {
    const e = tf.add(
      embeddingForward(P.tok_emb as tf.Tensor2D, ids),
      embeddingForward(P.pos_emb as tf.Tensor2D, positions),
    ) as tf.Tensor2D; // (T, D)
    if (!drop) return e;
    const m = dropoutMask(drop, batch.offsets, D, cfg.dropout, 'emb');
    if (keep) maskE = tf.keep(m);
    return tf.mul(e, m) as tf.Tensor2D;
  });
  for (let l = 0; l < cfg.layers; l++) {
    const w = (n: string) => P[`l${l}.${n}`] as tf.Tensor2D;
    const v1 = (n: string) => P[`l${l}.${n}`] as tf.Tensor1D;
    const xin = x;
    let attCache: AttentionCache | undefined;
    const out = tidy(() => {
      const ln1 = layerNormForward(xin, v1('ln1.g'), v1('ln1.b'), cfg.lnEps);
      const a = ln1.y; //                                                  (T, D)
      const qkv = denseForward(a, w('wqkv'), v1('bqkv')); //                (T, 3D)
      const att = opts.autograd
        ? { ctx: attentionOps(qkv, batch.offsets, cfg.heads), cache: undefined }
        : attentionForward(qkv, batch.offsets, cfg.heads, keep);
      // The attention cache holds large Float32Arrays: it must not be returned through tidy
      // (tidy walks returned containers element by element), so it leaves by this variable.
      if (att.cache) {
        att.cache.p.forEach((t) => tf.keep(t));
        attCache = att.cache;
      }
      let o = denseForward(att.ctx, w('wo'), v1('bo')); //                 (T, D)
      let maskO: tf.Tensor2D | undefined;
      if (drop) {
        maskO = dropoutMask(drop, batch.offsets, D, cfg.dropout, `l${l}.attn`);
        o = tf.mul(o, maskO);
      }
      const x1 = tf.add(xin, o) as tf.Tensor2D;
      const ln2 = layerNormForward(x1, v1('ln2.g'), v1('ln2.b'), cfg.lnEps);
      const h = denseForward(ln2.y, w('w1'), v1('b1')); //                 (T, F)
      const g = geluForward(h);
      let f = denseForward(g, w('w2'), v1('b2')); //                       (T, D)
      let maskF: tf.Tensor2D | undefined;
      if (drop) {
        maskF = dropoutMask(drop, batch.offsets, D, cfg.dropout, `l${l}.ffn`);
        f = tf.mul(f, maskF);
      }
      const x2 = tf.add(x1, f) as tf.Tensor2D;
      if (!keep) return { x2 };
      const c: Omit<LayerCache, 'att'> = { ln1: ln1.cache, a, ctx: att.ctx, ln2: ln2.cache, b: ln2.y, h, g };
      if (maskO) c.maskO = maskO;
      if (maskF) c.maskF = maskF;
      return { x2, c };
    }) as { x2: tf.Tensor2D; c?: Omit<LayerCache, 'att'> };
    xin.dispose();
    x = out.x2;
    if (out.c) layers.push({ ...out.c, att: attCache! });
  }
  const fin = tidy(() => {
    const lnf = layerNormForward(x, P['lnf.g'] as tf.Tensor1D, P['lnf.b'] as tf.Tensor1D, cfg.lnEps);
    const pool = poolForward(lnf.y, batch.offsets);
    return { hidden: lnf.y, lnf: lnf.cache, emb: pool.emb, norm: pool.norm };
  });
  x.dispose();
  if (!keep) {
    ids.dispose();
    positions.dispose();
    tf.dispose([fin.lnf.xhat, fin.lnf.rstd, fin.norm]);
    return { hidden: fin.hidden, emb: fin.emb };
  }
  const cache: EncoderCache = {
    ids,
    positions,
    offsets: batch.offsets,
    layers,
    lnf: fin.lnf,
    emb: tf.clone(fin.emb),
    norm: fin.norm,
  };
  if (maskE) cache.maskE = maskE;
  return { hidden: fin.hidden, emb: fin.emb, cache };
}

/** Free every tensor held by a cache. */
export function disposeCache(cache: EncoderCache): void {
  const { layers, ...top } = cache;
  tf.dispose(top as unknown as tf.TensorContainer);
  for (const { att, ...rest } of layers) {
    tf.dispose(att.p);
    tf.dispose(rest as unknown as tf.TensorContainer);
  }
}

/**
 * Gradients of the parameters, given the gradient of the loss with respect to the pooled
 * embeddings demb (N, D) and/or the final hidden states dhidden (T, D) (MLM).
 * Returns one tensor per parameter name that received a gradient. Caller disposes them.
 * The cache is not disposed.
 */
export function encoderBackward(
  cfg: EncoderConfig,
  P: ParamTensors,
  cache: EncoderCache,
  grads: { demb?: tf.Tensor2D; dhidden?: tf.Tensor2D },
): ParamTensors {
  const out: ParamTensors = {};
  let dx = tidy(() => {
    let dh: tf.Tensor2D | undefined;
    if (grads.demb) dh = poolBackward(cache.emb, cache.norm, grads.demb, cache.offsets);
    if (grads.dhidden) dh = dh ? (tf.add(dh, grads.dhidden) as tf.Tensor2D) : grads.dhidden;
    if (!dh) throw new Error('encoderBackward: give demb and/or dhidden');
    const r = layerNormBackward(cache.lnf, P['lnf.g'] as tf.Tensor1D, dh);
    out['lnf.g'] = r.dg;
    out['lnf.b'] = r.db;
    tf.keep(r.dg);
    tf.keep(r.db);
    return r.dx;
  });
  for (let l = cfg.layers - 1; l >= 0; l--) {
    const c = cache.layers[l]!;
    const name = (n: string) => `l${l}.${n}`;
    const w = (n: string) => P[name(n)] as tf.Tensor2D;
    const v1 = (n: string) => P[name(n)] as tf.Tensor1D;
    const dxin = dx;
    const res = tidy(() => {
      const g: Record<string, tf.Tensor> = {};
      // FFN branch: x2 = x1 + maskF * (gelu(LN2(x1) @ w1 + b1) @ w2 + b2)
      const df = c.maskF ? (tf.mul(dxin, c.maskF) as tf.Tensor2D) : dxin;
      const d2 = denseBackward(c.g, tf.transpose(w('w2')), df);
      g[name('w2')] = d2.dw;
      g[name('b2')] = d2.db;
      const dhh = geluBackward(c.h, d2.dx);
      const d1 = denseBackward(c.b, tf.transpose(w('w1')), dhh);
      g[name('w1')] = d1.dw;
      g[name('b1')] = d1.db;
      const l2 = layerNormBackward(c.ln2, v1('ln2.g'), d1.dx);
      g[name('ln2.g')] = l2.dg;
      g[name('ln2.b')] = l2.db;
      const dx1 = tf.add(dxin, l2.dx) as tf.Tensor2D;
      // attention branch: x1 = x + maskO * (Attn(LN1(x)) @ wo + bo)
      const dO = c.maskO ? (tf.mul(dx1, c.maskO) as tf.Tensor2D) : dx1;
      const dOut = denseBackward(c.ctx, tf.transpose(w('wo')), dO);
      g[name('wo')] = dOut.dw;
      g[name('bo')] = dOut.db;
      const dqkv = attentionBackward(c.att, dOut.dx, cache.offsets, cfg.heads); // (T, 3D)
      const dP = denseBackward(c.a, tf.transpose(w('wqkv')), dqkv);
      g[name('wqkv')] = dP.dw;
      g[name('bqkv')] = dP.db;
      const l1 = layerNormBackward(c.ln1, v1('ln1.g'), dP.dx);
      g[name('ln1.g')] = l1.dg;
      g[name('ln1.b')] = l1.db;
      return { dx: tf.add(dx1, l1.dx) as tf.Tensor2D, g };
    });
    dxin.dispose();
    Object.assign(out, res.g);
    dx = res.dx;
  }
  const V = cfg.vocabSize;
  const emb = tidy(() => {
    const de = cache.maskE ? (tf.mul(dx, cache.maskE) as tf.Tensor2D) : dx;
    return { tok: embeddingBackward(cache.ids, de, V), pos: embeddingBackward(cache.positions, de, cfg.maxLen) };
  });
  dx.dispose();
  out.tok_emb = emb.tok;
  out.pos_emb = emb.pos;
  return out;
}
