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
export function denseBackward(
  x: tf.Tensor2D,
  wT: tf.Tensor2D,
  dy: tf.Tensor2D,
): { dx: tf.Tensor2D; dw: tf.Tensor2D; db: tf.Tensor1D } {
  return {
    dx: tf.matMul(dy, wT), //                         (T, O) @ (O, I) -> (T, I)
    dw: tf.matMul(tf.transpose(x), dy), //            (I, T) @ (T, O) -> (I, O)
    db: tf.sum(dy, 0), //                             (O)
  };
}

export interface LayerNormCache {
  xhat: tf.Tensor2D;
  rstd: tf.Tensor2D;
}

/** y = (x - mean) / sqrt(var + eps) * g + b over the last axis. x (T, D) -> (T, D) */
export function layerNormForward(
  x: tf.Tensor2D,
  g: tf.Tensor1D,
  b: tf.Tensor1D,
  eps: number,
): { y: tf.Tensor2D; cache: LayerNormCache } {
  const mean = tf.mean(x, 1, true); //                 (T, 1)
  const xc = tf.sub(x, mean); //                        (T, D)
  const variance = tf.mean(tf.square(xc), 1, true); //  (T, 1), biased as in torch
  const rstd = tf.rsqrt(tf.add(variance, eps)) as tf.Tensor2D; // (T, 1)
  const xhat = tf.mul(xc, rstd) as tf.Tensor2D; //      (T, D)
  return { y: tf.add(tf.mul(xhat, g), b), cache: { xhat, rstd } };
}

/** dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g; dg = sum(dy * xhat); db = sum(dy) */
export function layerNormBackward(
  cache: LayerNormCache,
  g: tf.Tensor1D,
  dy: tf.Tensor2D,
): { dx: tf.Tensor2D; dg: tf.Tensor1D; db: tf.Tensor1D } {
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

/** What the attention backward needs: the fused projections (T, 3D) as a row-major array (queries unscaled), and the probabilities per (sequence, head). */
export interface AttentionCache {
  qkv: Float32Array;
  /** Softmax probabilities (len, len) for index s * heads + h. */
  p: tf.Tensor2D[];
}

/**
 * Copy rows [off, off+len) and columns [c0, c0+w) of a row-major array with `D` columns into a
 * (len, w) tensor, times `scale`; transposed gives (w, len).
 */
function block(
  src: Float32Array,
  D: number,
  off: number,
  len: number,
  c0: number,
  w: number,
  transposed: boolean,
  scale = 1,
): tf.Tensor2D {
  const out = new Float32Array(len * w);
  if (transposed) {
    for (let r = 0; r < len; r++) {
      const base = (off + r) * D + c0;
      for (let c = 0; c < w; c++) out[c * len + r] = src[base + c]! * scale;
    }
    return tf.tensor2d(out, [w, len]);
  }
  if (scale === 1)
    for (let r = 0; r < len; r++) out.set(src.subarray((off + r) * D + c0, (off + r) * D + c0 + w), r * w);
  else
    for (let r = 0; r < len; r++) {
      const base = (off + r) * D + c0;
      for (let c = 0; c < w; c++) out[r * w + c] = src[base + c]! * scale;
    }
  return tf.tensor2d(out, [len, w]);
}

/** Write a (len, w) tensor's values into rows [off, off+len), columns [c0, c0+w) of a row-major (?, D) array. */
function put(dst: Float32Array, D: number, off: number, c0: number, t: tf.Tensor2D): void {
  const [len, w] = t.shape;
  const vals = t.dataSync();
  for (let r = 0; r < len; r++) dst.set(vals.subarray(r * w, (r + 1) * w), (off + r) * D + c0);
}

/**
 * Multi-head self-attention over packed sequences: sequence s owns rows offsets[s]..offsets[s+1]-1
 * and attends only to itself (so no padding and no mask). Products are per (sequence, head) 2-D
 * matmuls, which TF.js wasm runs on its fast path (batched matmul is ~3x slower there). The
 * per-head blocks are cut and reassembled in JS: wasm's slice kernel copies its whole input
 * out of the heap on every call, which made slicing a (T, D) tensor per block ~100x slower.
 * qkv (T, 3D) = [queries | keys | values] -> context (T, D)
 */
export function attentionForward(
  qkv: tf.Tensor2D,
  offsets: readonly number[],
  heads: number,
  keepCache: boolean,
): { ctx: tf.Tensor2D; cache?: AttentionCache } {
  const T = qkv.shape[0],
    D3 = qkv.shape[1],
    D = D3 / 3;
  const dh = D / heads;
  const scale = 1 / Math.sqrt(dh);
  const X = qkv.dataSync() as Float32Array;
  const ctx = new Float32Array(T * D);
  const ps: tf.Tensor2D[] = [];
  for (let s = 0; s + 1 < offsets.length; s++) {
    const off = offsets[s]!,
      len = offsets[s + 1]! - off;
    for (let h = 0; h < heads; h++) {
      const c0 = h * dh;
      const p = tf.tidy(() =>
        tf.softmax(tf.matMul(block(X, D3, off, len, c0, dh, false, scale), block(X, D3, off, len, D + c0, dh, true))),
      ) as tf.Tensor2D; // (len, dh) @ (dh, len) -> (len, len)
      const out = tf.tidy(() => tf.matMul(p, block(X, D3, off, len, 2 * D + c0, dh, false))); // (len, len) @ (len, dh) -> (len, dh)
      put(ctx, D, off, c0, out as tf.Tensor2D);
      out.dispose();
      if (keepCache) ps.push(p);
      else p.dispose();
    }
  }
  const ctxT = tf.tensor2d(ctx, [T, D]);
  return keepCache ? { ctx: ctxT, cache: { qkv: X, p: ps } } : { ctx: ctxT };
}

/**
 * The same attention written with TF.js ops only (slices and concats), so autograd can
 * differentiate it: the reference the hand-written backward is tested against.
 */
export function attentionOps(qkv: tf.Tensor2D, offsets: readonly number[], heads: number): tf.Tensor2D {
  const T = qkv.shape[0],
    D = qkv.shape[1] / 3;
  const q = tf.slice(qkv, [0, 0], [T, D]),
    k = tf.slice(qkv, [0, D], [T, D]),
    v = tf.slice(qkv, [0, 2 * D], [T, D]);
  const dh = D / heads;
  const rows: tf.Tensor2D[] = [];
  for (let s = 0; s + 1 < offsets.length; s++) {
    const off = offsets[s]!,
      len = offsets[s + 1]! - off;
    const parts: tf.Tensor2D[] = [];
    for (let h = 0; h < heads; h++) {
      const qh = tf.slice(q, [off, h * dh], [len, dh]),
        kh = tf.slice(k, [off, h * dh], [len, dh]),
        vh = tf.slice(v, [off, h * dh], [len, dh]);
      parts.push(tf.matMul(tf.softmax(tf.div(tf.matMul(qh, kh, false, true), Math.sqrt(dh))), vh));
    }
    rows.push(tf.concat(parts, 1));
  }
  return tf.concat(rows, 0);
}

/** Gradient of attentionForward with respect to its fused input: d qkv (T, 3D). */
export function attentionBackward(
  cache: AttentionCache,
  dctx: tf.Tensor2D,
  offsets: readonly number[],
  heads: number,
): tf.Tensor2D {
  const [T, D] = dctx.shape;
  const D3 = 3 * D,
    dh = D / heads;
  const scale = 1 / Math.sqrt(dh);
  const X = cache.qkv;
  const dC = dctx.dataSync() as Float32Array;
  const dX = new Float32Array(T * D3);
  for (let s = 0; s + 1 < offsets.length; s++) {
    const off = offsets[s]!,
      len = offsets[s + 1]! - off;
    for (let h = 0; h < heads; h++) {
      const c0 = h * dh;
      const p = cache.p[s * heads + h]!;
      const r = tidy(() => {
        const dc = block(dC, D, off, len, c0, dh, false); //                           (len, dh)
        const dp = tf.matMul(dc, block(X, D3, off, len, 2 * D + c0, dh, true)); //     (len, dh) @ (dh, len) -> (len, len)
        const dv = tf.matMul(tf.transpose(p), dc); //                                   (len, len) @ (len, dh)
        const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), 1, true))); //            softmax backward (len, len)
        const dq = tf.matMul(ds, block(X, D3, off, len, D + c0, dh, false, scale)); //  (len, len) @ (len, dh): d q = ds @ k / sqrt(dh)
        const dk = tf.matMul(tf.transpose(ds), block(X, D3, off, len, c0, dh, false, scale)); // d k = ds^T @ q / sqrt(dh)
        return { dq, dk, dv };
      });
      put(dX, D3, off, c0, r.dq as tf.Tensor2D);
      put(dX, D3, off, D + c0, r.dk as tf.Tensor2D);
      put(dX, D3, off, 2 * D + c0, r.dv as tf.Tensor2D);
      tf.dispose([r.dq, r.dk, r.dv]);
    }
  }
  return tf.tensor2d(dX, [T, D3]);
}

/**
 * Mean pooling of packed sequences as one matmul with a (N, T) averaging matrix, then L2
 * normalisation. hidden (T, D) -> unit vectors (N, D).
 */
export function poolForward(
  hidden: tf.Tensor2D,
  offsets: readonly number[],
): { emb: tf.Tensor2D; pooled: tf.Tensor2D; norm: tf.Tensor2D } {
  const pooled: tf.Tensor2D = tf.matMul(poolingMatrix(offsets, false), hidden); // (N, T) @ (T, D) -> (N, D)
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(pooled), 1, true), 1e-24)) as tf.Tensor2D; // (N, 1)
  return { emb: tf.div(pooled, norm) as tf.Tensor2D, pooled, norm };
}

/** d hidden from d emb: through u = p / |p| (du - u <du, u>) / |p|, then the averaging matrix transposed. */
export function poolBackward(
  emb: tf.Tensor2D,
  norm: tf.Tensor2D,
  demb: tf.Tensor2D,
  offsets: readonly number[],
): tf.Tensor2D {
  const dpooled = tf.div(tf.sub(demb, tf.mul(emb, tf.sum(tf.mul(demb, emb), 1, true))), norm) as tf.Tensor2D; // (N, D)
  return tf.matMul(poolingMatrix(offsets, true), dpooled); // (T, N) @ (N, D) -> (T, D)
}

/** The (N, T) matrix with 1/len_s over sequence s's tokens, or its transpose (T, N). */
export function poolingMatrix(offsets: readonly number[], transposed: boolean): tf.Tensor2D {
  const N = offsets.length - 1,
    T = offsets[N]!;
  const m = new Float32Array(N * T);
  for (let s = 0; s < N; s++) {
    const a = offsets[s]!,
      b = offsets[s + 1]!,
      w = 1 / (b - a);
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
