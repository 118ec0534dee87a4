// Multi-head self-attention from fused q|k|v rows (columns [0, D) queries, [D, 2D) keys,
// [2D, 3D) values): softmax(q k^T / sqrt(dh)) v per head, each text attending only to itself.
//   packed: per (sequence, head) 2-D matmuls over packed rows (no padding, no mask);
//   padded: one batched matmul over (N, heads, L, L) with an additive key mask (-1e9 on padded
//           keys); padded query rows compute garbage that nothing reads, and as keys they are
//           masked, so they get no gradient either;
//   onnx:   the padded form as nodes; the backward reads the saved softmax probabilities.
import * as tf from '@tensorflow/tfjs';
import type { OpNode } from '../arch';
import type { OnnxCtx } from '../onnx-graph';
import { tidy, type OpForms, type PaddedCtx } from './types';

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

/** (N, 1, 1, L): 0 on tokens, -1e9 on padded keys. */
function keyBias(mask: tf.Tensor2D): tf.Tensor {
  const [N, L] = mask.shape;
  return tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [N, 1, 1, L]);
}

/** The padded form: qkv (N L, 3D) -> context (N L, D), for autograd and devices. */
function attentionPadded(c: PaddedCtx, heads: number, qkv: tf.Tensor2D): tf.Tensor2D {
  const { N, L } = c;
  const D = qkv.shape[1] / 3,
    H = heads,
    dh = D / H;
  const split = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [N, L, H, dh]), [0, 2, 1, 3]); // (N, H, L, dh)
  const q = split(tf.slice(qkv, [0, 0], [N * L, D])),
    k = split(tf.slice(qkv, [0, D], [N * L, D])),
    v = split(tf.slice(qkv, [0, 2 * D], [N * L, D]));
  const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)), keyBias(c.mask)); // (N, H, L, L)
  const ctx = tf.matMul(tf.softmax(scores), v); //                                              (N, H, L, dh)
  return tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [N * L, D]) as tf.Tensor2D; //            (N L, D)
}

/** ONNX constants of one width: [B, L, 3, H, dh] and [B, L, H, dh], the key bias [B, 1, 1, L] and 1/sqrt(dh). */
function onnxShapes(c: OnnxCtx, op: OpNode) {
  return c.once(`att:${op.width}:${op.heads}`, () => {
    const g = c.g;
    const H = op.heads!,
      dh = op.width / H;
    return {
      headShape: g.op('Concat', [c.bl, g.i64(`head_tail${op.width}`, [3, H, dh])], { axis: 0 }),
      ctxShape: g.op('Concat', [c.bl, g.i64(`ctx_tail${op.width}`, [H, dh])], { axis: 0 }),
      scale: g.f32(`att_scale${dh}`, 1 / Math.sqrt(dh)),
      flat: g.i64(`flat${op.width}`, [-1, op.width]),
    };
  });
}

/** The additive key bias [B, 1, 1, L] (once per graph). */
function onnxKeyBias(c: OnnxCtx): string {
  return c.once('key_bias', () => {
    const g = c.g;
    return g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [c.one, c.mask]), g.f32('neg', -1e9)]), g.i64('ax12', [1, 2])]);
  });
}

/** q, k, v [B, H, L, dh] from the fused projection [B*L, 3D] (q unscaled). */
function splitHeads(c: OnnxCtx, op: OpNode, qkv: string): [string, string, string] {
  const g = c.g;
  const heads = g.op('Transpose', [g.op('Reshape', [qkv, onnxShapes(c, op).headShape])], { perm: [2, 0, 3, 1, 4] }); // [3, B, H, L, dh]
  const take = (i: number) => g.op('Gather', [heads, g.i64(`idx${i}`, [i])], { axis: 0 });
  const sq = (t: string) => g.op('Squeeze', [t, c.ax0]);
  return [sq(take(0)), sq(take(1)), sq(take(2))];
}

const T4 = { perm: [0, 1, 3, 2] };

export const attention: OpForms = {
  packedForward(c, op, _P, [qkv], keep) {
    if (c.autograd) return { y: tidy(() => attentionOps(qkv!, c.offsets, op.heads!)) };
    const r = attentionForward(qkv!, c.offsets, op.heads!, keep);
    return { y: r.ctx, cache: r.cache };
  },
  packedBackward: (c, op, _P, cache, dy) => ({
    dxs: [attentionBackward(cache as AttentionCache, dy, c.offsets, op.heads!)],
    grads: {},
  }),
  disposeCache: (cache) => tf.dispose((cache as AttentionCache).p),
  paddedForward: (c, op, _P, [qkv]) => attentionPadded(c, op.heads!, qkv!),
  onnxForward(c, op, [qkv]) {
    const g = c.g;
    const s = onnxShapes(c, op);
    const [q, k, v] = splitHeads(c, op, qkv!);
    const scores = g.op('Add', [
      g.op('MatMul', [g.op('Mul', [q, s.scale]), g.op('Transpose', [k], T4)]),
      onnxKeyBias(c),
    ]);
    const probs = g.op('Softmax', [scores], { axis: -1 }); // [B, H, L, L]
    c.keepInternal(`${op.out}.probs`, probs, ['B', op.heads!, 'L', 'L']);
    return g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), s.flat]);
  },
  onnxBackward(c, op, x, dctx, ctx) {
    const g = c.g;
    const s = onnxShapes(c, op);
    const probs = c.saved(`${op.out}.probs`, ['B', op.heads!, 'L', 'L']);
    const dc = g.op('Transpose', [g.op('Reshape', [dctx, s.ctxShape])], { perm: [0, 2, 1, 3] }); // [B, H, L, dh]
    const [q, k, v] = splitHeads(c, op, x(0));
    const dv = g.op('MatMul', [g.op('Transpose', [probs], T4), dc]);
    const dp = g.op('MatMul', [dc, g.op('Transpose', [v], T4)]); // [B, H, L, L]
    // softmax backward ds = p (dp - sum_j p_ij dp_ij); that sum is dc_i . ctx_i (dp = dc v^T and
    // ctx = p v), taken over the output rows [B*L, D] instead of two passes over [B, H, L, L]
    const rowDot = g.op('ReduceSum', [g.op('Reshape', [g.op('Mul', [dctx, ctx()]), s.ctxShape]), c.axLast], {
      keepdims: 1,
    }); // [B, L, H, 1]
    const ds = g.op('Mul', [probs, g.op('Sub', [dp, g.op('Transpose', [rowDot], { perm: [0, 2, 1, 3] })])]);
    const dq = g.op('Mul', [g.op('MatMul', [ds, k]), s.scale]);
    const dk = g.op('Mul', [g.op('MatMul', [g.op('Transpose', [ds], T4), q]), s.scale]);
    const stacked = g.op(
      'Concat',
      [dq, dk, dv].map((t) => g.op('Unsqueeze', [t, c.ax0])),
      { axis: 0 },
    ); // [3, B, H, L, dh]
    const flat3 = g.i64(`flat${3 * op.width}`, [-1, 3 * op.width]);
    return [g.op('Reshape', [g.op('Transpose', [stacked], { perm: [1, 3, 0, 2, 4] }), flat3])]; // [B*L, 3D]
  },
};
