// What every op file under ops/ provides: the forms of one op of the model definition
// (arch.ts), side by side, and the contexts the engine paths hand them.
//   packed   TF.js on packed rows (T real tokens, no padding), forward with a cache and a
//            hand-written backward (model.ts walks them);
//   padded   TF.js on padded rows (N * L), forward only, differentiated by autograd (the device
//            path, padded.ts); row-wise ops reuse their packed forward;
//   onnx     ONNX nodes of the forward and of the backward (onnx-train.ts, onnx-export.ts).
// Packed forms neither keep nor dispose their inputs: the tensors they return are new (callers
// dispose them), intermediates are freed inside.
import * as tf from '@tensorflow/tfjs';
import type { OpNode } from '../arch';
import type { EncoderConfig } from '../config';
import type { OnnxCtx } from '../onnx-graph';

/** Parameter tensors by name (see params.ts). */
export type ParamTensors = Record<string, tf.Tensor>;

/** tf.tidy for functions returning plain records of tensors (TypeScript's TensorContainer typing rejects interfaces). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

/** A packed batch as the packed forms see it. */
export interface PackedCtx {
  cfg: EncoderConfig;
  /** Sequence s owns rows offsets[s]..offsets[s+1]-1. */
  offsets: readonly number[];
  ids: tf.Tensor1D;
  /** Position of each row inside its own sequence. */
  positions: tf.Tensor1D;
  /** Per-sequence dropout seeds; undefined = no dropout. */
  dropoutSeeds?: readonly number[];
  /** Use only differentiable TF.js ops (tf.grad reference tests). */
  autograd: boolean;
}

/** A padded batch as the padded forms see it: N texts right-padded to L. */
export interface PaddedCtx {
  cfg: EncoderConfig;
  N: number;
  L: number;
  lengths: readonly number[];
  /** (N * L) ids, 0 on padding. */
  ids: Int32Array;
  /** (N, L): 1 on tokens, 0 on padding. */
  mask: tf.Tensor2D;
  dropoutSeeds?: readonly number[];
}

export interface PackedResult {
  y: tf.Tensor2D;
  /** What the backward needs (only when asked to keep). */
  cache?: unknown;
}

export interface PackedGrads {
  /** d loss / d each input (undefined: no gradient flows to it). */
  dxs: (tf.Tensor2D | undefined)[];
  /** d loss / d each parameter that got one. */
  grads: ParamTensors;
}

/** The forms of one op. */
export interface OpForms {
  packedForward(c: PackedCtx, op: OpNode, P: ParamTensors, xs: tf.Tensor2D[], keep: boolean): PackedResult;
  /** Given d loss / d output; does not dispose dy or the cache. */
  packedBackward(c: PackedCtx, op: OpNode, P: ParamTensors, cache: unknown, dy: tf.Tensor2D): PackedGrads;
  /** Free a cache (default: tf.dispose). */
  disposeCache?(cache: unknown): void;
  /** Padded forward for autograd; absent = the packed forward (row-wise ops). */
  paddedForward?(c: PaddedCtx, op: OpNode, P: ParamTensors, xs: tf.Tensor2D[]): tf.Tensor2D;
  /** ONNX forward nodes: returns the output value. Values are [B*L, width] rows (pool: [B, D]). */
  onnxForward(c: OnnxCtx, op: OpNode, xs: string[]): string;
  /**
   * ONNX backward nodes: `x(i)` gives input i and `y()` the op's own output (saved or recomputed;
   * ask only for what you need), dy is d loss / d output; outputs grad.<param> itself, returns
   * d loss / d each input.
   */
  onnxBackward(c: OnnxCtx, op: OpNode, x: (i: number) => string, dy: string, y: () => string): (string | undefined)[];
  /**
   * Cheap to recompute: a backward graph rebuilds the output from the inputs instead of saving it.
   * May return nodes shared with its own onnxBackward (through c.once).
   */
  onnxRecompute?(c: OnnxCtx, op: OpNode, x: (i: number) => string): string;
}
