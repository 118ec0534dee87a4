// The packed TF.js engine path: an interpreter of the model definition (arch.ts) that walks
// the ops forward keeping each op's cache, then walks them back through each op's
// hand-written backward (the forms in ops/).
//
// Sequences are packed: a batch is one (T, D) matrix of real tokens, T = sum of lengths,
// with no padding at all (attention runs per sequence, pooling averages each sequence's
// rows). This is the same function as padding + key mask + masked mean, minus the waste.
// The hand-written backward keeps only what it needs and runs every matmul on wasm's fast path.
// encoderForward/encoderBackward are the whole model; replica.ts turns them into a training
// step on flat parameter arrays.
import * as tf from '@tensorflow/tfjs';
import { archOf, program, type Program } from './arch';
import type { EncoderConfig } from './config';
import { formsOf } from './ops/index';
import type { PackedCtx, ParamTensors } from './ops/types';
import { paramSpecs } from './params';

export type { ParamTensors } from './ops/types';
export { fillDropout, paddedDropoutValues } from './ops/dropout';

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

/** Everything the backward pass needs: the batch and one cache per op. Dispose with disposeCache. */
export interface EncoderCache {
  ctx: PackedCtx;
  prog: Program;
  caches: unknown[];
  /** Sequence offsets of the batch (N + 1). */
  offsets: number[];
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

/**
 * Run the encoder on a packed batch. Returns the final hidden states (T, D) and the
 * sentence embeddings (N, D); with keepCache also the cache for the backward.
 * Caller disposes hidden, emb and the cache.
 */
export function encoderForward(
  cfg: EncoderConfig,
  P: ParamTensors,
  batch: PackedBatch,
  opts: ForwardOptions,
): { hidden: tf.Tensor2D; emb: tf.Tensor2D; cache?: EncoderCache } {
  const keep = opts.keepCache;
  const drop = opts.dropoutSeeds && cfg.dropout > 0 ? opts.dropoutSeeds : undefined;
  if (drop && drop.length !== batch.offsets.length - 1)
    throw new Error(`encoderForward: ${drop.length} dropout seeds for ${batch.offsets.length - 1} sequences`);
  const prog = program(archOf(cfg), drop !== undefined);
  const ctx: PackedCtx = {
    cfg,
    offsets: batch.offsets,
    ids: tf.tensor1d(batch.ids, 'int32'),
    positions: tf.tensor1d(batch.positions, 'int32'),
    dropoutSeeds: drop,
    autograd: opts.autograd === true,
  };
  const values = new Map<string, tf.Tensor2D>();
  const caches: unknown[] = [];
  for (const s of prog.steps) {
    const r = formsOf(s.op.kind).packedForward(
      ctx,
      s.op,
      P,
      s.inputs.map((v) => values.get(v)!),
      keep,
    );
    values.set(s.op.out, r.y);
    caches.push(r.cache);
    for (const v of s.frees) {
      values.get(v)!.dispose();
      values.delete(v);
    }
  }
  const hidden = values.get(prog.hidden)!,
    emb = values.get(prog.embedding)!;
  if (!keep) {
    tf.dispose([ctx.ids, ctx.positions]);
    return { hidden, emb };
  }
  return { hidden, emb, cache: { ctx, prog, caches, offsets: batch.offsets } };
}

/** Free every tensor held by a cache. */
export function disposeCache(cache: EncoderCache): void {
  cache.prog.steps.forEach((s, k) => {
    const c = cache.caches[k];
    if (c === undefined) return;
    const f = formsOf(s.op.kind);
    if (f.disposeCache) f.disposeCache(c);
    else tf.dispose(c as tf.TensorContainer);
  });
  tf.dispose([cache.ctx.ids, cache.ctx.positions]);
}

/** Add `t` into the gradient of `name` (taking ownership of t). */
function accumulate<T extends tf.Tensor>(into: Map<string, T> | Record<string, T>, name: string, t: T): void {
  const get = (n: string) => (into instanceof Map ? into.get(n) : into[n]);
  const set = (n: string, v: T) => (into instanceof Map ? into.set(n, v) : (into[n] = v));
  const old = get(name);
  if (!old) return void set(name, t);
  set(name, tf.add(old, t) as T);
  tf.dispose([old, t]);
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
  const { ctx, prog, caches } = cache;
  if (!grads.demb && !grads.dhidden) throw new Error('encoderBackward: give demb and/or dhidden');
  const d = new Map<string, tf.Tensor2D>();
  if (grads.dhidden) d.set(prog.hidden, tf.clone(grads.dhidden));
  if (grads.demb) accumulate(d, prog.embedding, tf.clone(grads.demb));
  const out: ParamTensors = {};
  for (let k = prog.steps.length - 1; k >= 0; k--) {
    const s = prog.steps[k]!;
    const dy = d.get(s.op.out);
    if (!dy) continue; // nothing flows back through this op
    d.delete(s.op.out);
    const r = formsOf(s.op.kind).packedBackward(ctx, s.op, P, caches[k], dy);
    dy.dispose();
    r.dxs.forEach((dx, i) => dx && accumulate(d, s.inputs[i]!, dx));
    for (const [n, t] of Object.entries(r.grads)) accumulate(out, n, t);
  }
  tf.dispose([...d.values()]);
  void cfg;
  return out;
}
