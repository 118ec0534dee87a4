// Forward and hand-written backward passes of the encoder's layers, on 2-D tensors of
// packed tokens (T = total real tokens of a batch, no padding). Every matmul is a plain
// 2-D product without transpose flags: the only fast path of TF.js wasm. Each backward
// is checked against TF.js autograd in test/encoder/layers.test.ts.
// Functions here neither keep nor dispose their inputs; call them inside tf.tidy.
import * as tf from '@tensorflow/tfjs';

/** tf.tidy for functions returning plain records of tensors (TypeScript's TensorContainer typing rejects interfaces). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

/** y = x @ w + b.  x (T, I), w (I, O), b (O) -> (T, O) */
export function denseForward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, w), b);
}

/**
 * Gradients of dense. wT is transpose(w) (I, O -> O, I), passed in so one transpose serves many chunks.
 * dx = dy @ wT (T, I); dw = xT @ dy (I, O); db = sum_rows dy (O)
 */
export function denseBackward(x: tf.Tensor2D, wT: tf.Tensor2D, dy: tf.Tensor2D): { dx: tf.Tensor2D; dw: tf.Tensor2D; db: tf.Tensor1D } {
  return {
    dx: tf.matMul(dy, wT), //                         (T, O) @ (O, I) -> (T, I)
    dw: tf.matMul(tf.transpose(x), dy), //            (I, T) @ (T, O) -> (I, O)
    db: tf.sum(dy, 0), //                             (O)
  };
}

export interface LayerNormCache { xhat: tf.Tensor2D; rstd: tf.Tensor2D }

/** y = (x - mean) / sqrt(var + eps) * g + b over the last axis. x (T, D) -> (T, D) */
export function layerNormForward(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): { y: tf.Tensor2D; cache: LayerNormCache } {
  const mean = tf.mean(x, 1, true); //                 (T, 1)
  const xc = tf.sub(x, mean); //                        (T, D)
  const variance = tf.mean(tf.square(xc), 1, true); //  (T, 1), biased as in torch
  const rstd = tf.rsqrt(tf.add(variance, eps)) as tf.Tensor2D; // (T, 1)
  const xhat = tf.mul(xc, rstd) as tf.Tensor2D; //      (T, D)
  return { y: tf.add(tf.mul(xhat, g), b), cache: { xhat, rstd } };
}

/** dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g; dg = sum(dy * xhat); db = sum(dy) */
export function layerNormBackward(cache: LayerNormCache, g: tf.Tensor1D, dy: tf.Tensor2D): { dx: tf.Tensor2D; dg: tf.Tensor1D; db: tf.Tensor1D } {
  const { xhat, rstd } = cache;
  const dxhat = tf.mul(dy, g); //                                   (T, D)
  const m1 = tf.mean(dxhat, 1, true); //                            (T, 1)
  const m2 = tf.mean(tf.mul(dxhat, xhat), 1, true); //              (T, 1)
  const dx = tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(xhat, m2)), rstd) as tf.Tensor2D;
  return { dx, dg: tf.sum(tf.mul(dy, xhat), 0), db: tf.sum(dy, 0) };
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
export function geluForward(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1));
}

/** dGELU/dx = 0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi) */
export function geluBackward(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1), 0.5);
  const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI);
  return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
}

/** Per (sequence, head) tensors kept for the attention backward. */
export interface AttentionCache {
  /** Scaled query slices (len, dh), key slices transposed (dh, len), value slices (len, dh), probabilities (len, len); index = s * heads + h. */
  q: tf.Tensor2D[];
  kT: tf.Tensor2D[];
  v: tf.Tensor2D[];
  p: tf.Tensor2D[];
}

/**
 * Multi-head self-attention over packed sequences: sequence s owns rows offsets[s]..offsets[s+1]-1
 * and attends only to itself (so no padding and no mask). Products are per (sequence, head) 2-D
 * matmuls, which TF.js wasm runs on its fast path (batched matmul is ~3x slower there).
 * q, k, v (T, D) -> context (T, D)
 */
export function attentionForward(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, offsets: readonly number[], heads: number, keepCache: boolean): { ctx: tf.Tensor2D; cache?: AttentionCache } {
  const D = q.shape[1];
  const dh = D / heads;
  const qs = tf.mul(q, 1 / Math.sqrt(dh)) as tf.Tensor2D; // (T, D)
  const kT = tf.transpose(k) as tf.Tensor2D; //              (D, T)
  const cache: AttentionCache = { q: [], kT: [], v: [], p: [] };
  const rows: tf.Tensor2D[] = [];
  for (let s = 0; s + 1 < offsets.length; s++) {
    const off = offsets[s]!, len = offsets[s + 1]! - off;
    const parts: tf.Tensor2D[] = [];
    for (let h = 0; h < heads; h++) {
      const qh = tf.slice(qs, [off, h * dh], [len, dh]); //   (len, dh)
      const kTh = tf.slice(kT, [h * dh, off], [dh, len]); //  (dh, len)
      const vh = tf.slice(v, [off, h * dh], [len, dh]); //    (len, dh)
      const p = tf.softmax(tf.matMul(qh, kTh)) as tf.Tensor2D; // (len, len)
      parts.push(tf.matMul(p, vh)); //                        (len, dh)
      if (keepCache) { cache.q.push(qh); cache.kT.push(kTh); cache.v.push(vh); cache.p.push(p); }
    }
    rows.push(heads === 1 ? parts[0]! : tf.concat(parts, 1)); // (len, D)
  }
  const ctx = rows.length === 1 ? rows[0]! : tf.concat(rows, 0); // (T, D)
  return keepCache ? { ctx, cache } : { ctx };
}

/** Gradients of attentionForward with respect to q, k and v (each (T, D)). */
export function attentionBackward(cache: AttentionCache, dctx: tf.Tensor2D, offsets: readonly number[], heads: number): { dq: tf.Tensor2D; dk: tf.Tensor2D; dv: tf.Tensor2D } {
  const D = dctx.shape[1];
  const dh = D / heads;
  const dqRows: tf.Tensor2D[] = [], dkRows: tf.Tensor2D[] = [], dvRows: tf.Tensor2D[] = [];
  for (let s = 0; s + 1 < offsets.length; s++) {
    const off = offsets[s]!, len = offsets[s + 1]! - off;
    const dqs: tf.Tensor2D[] = [], dks: tf.Tensor2D[] = [], dvs: tf.Tensor2D[] = [];
    for (let h = 0; h < heads; h++) {
      const i = s * heads + h;
      const p = cache.p[i]!, qh = cache.q[i]!, kTh = cache.kT[i]!, vh = cache.v[i]!;
      const dc = tf.slice(dctx, [off, h * dh], [len, dh]); //          (len, dh)
      const dp = tf.matMul(dc, tf.transpose(vh)); //                   (len, dh) @ (dh, len) -> (len, len)
      dvs.push(tf.matMul(tf.transpose(p), dc)); //                     (len, len) @ (len, dh)
      const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), 1, true))); // softmax backward (len, len)
      dqs.push(tf.matMul(ds, tf.transpose(kTh))); //                   (len, len) @ (len, dh)
      dks.push(tf.matMul(tf.transpose(ds), qh)); //                    (len, len) @ (len, dh)
    }
    dqRows.push(heads === 1 ? dqs[0]! : tf.concat(dqs, 1));
    dkRows.push(heads === 1 ? dks[0]! : tf.concat(dks, 1));
    dvRows.push(heads === 1 ? dvs[0]! : tf.concat(dvs, 1));
  }
  const cat = (r: tf.Tensor2D[]) => (r.length === 1 ? r[0]! : tf.concat(r, 0));
  return { dq: tf.mul(cat(dqRows), 1 / Math.sqrt(dh)) as tf.Tensor2D, dk: cat(dkRows), dv: cat(dvRows) };
}

/**
 * Mean pooling of packed sequences as one matmul with a (N, T) averaging matrix, then L2
 * normalisation. hidden (T, D) -> unit vectors (N, D).
 */
export function poolForward(hidden: tf.Tensor2D, offsets: readonly number[]): { emb: tf.Tensor2D; pooled: tf.Tensor2D; norm: tf.Tensor2D } {
  const pooled: tf.Tensor2D = tf.matMul(poolingMatrix(offsets, false), hidden); // (N, T) @ (T, D) -> (N, D)
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(pooled), 1, true), 1e-24)) as tf.Tensor2D; // (N, 1)
  return { emb: tf.div(pooled, norm) as tf.Tensor2D, pooled, norm };
}

/** d hidden from d emb: through u = p / |p| (du - u <du, u>) / |p|, then the averaging matrix transposed. */
export function poolBackward(emb: tf.Tensor2D, norm: tf.Tensor2D, demb: tf.Tensor2D, offsets: readonly number[]): tf.Tensor2D {
  const dpooled = tf.div(tf.sub(demb, tf.mul(emb, tf.sum(tf.mul(demb, emb), 1, true))), norm) as tf.Tensor2D; // (N, D)
  return tf.matMul(poolingMatrix(offsets, true), dpooled); // (T, N) @ (N, D) -> (T, D)
}

/** The (N, T) matrix with 1/len_s over sequence s's tokens, or its transpose (T, N). */
export function poolingMatrix(offsets: readonly number[], transposed: boolean): tf.Tensor2D {
  const N = offsets.length - 1, T = offsets[N]!;
  const m = new Float32Array(N * T);
  for (let s = 0; s < N; s++) {
    const a = offsets[s]!, b = offsets[s + 1]!, w = 1 / (b - a);
    for (let t = a; t < b; t++) m[transposed ? t * N + s : s * T + t] = w;
  }
  return transposed ? tf.tensor2d(m, [T, N]) : tf.tensor2d(m, [N, T]);
}

/** Rows of an embedding table. Forward gather works on every backend; the backward uses scatterND (wasm has no UnsortedSegmentSum). */
export function embeddingForward(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return tf.gather(table, ids);
}

/** Gradient of a gather: dy rows summed into a zero table (rows, D). Duplicate ids add up. */
export function embeddingBackward(ids: tf.Tensor1D, dy: tf.Tensor2D, rows: number): tf.Tensor2D {
  return tf.scatterND(tf.reshape(ids, [-1, 1]), dy, [rows, dy.shape[1]]);
}
