// The MLM head of pretraining (our stand-in for a pretrained LM): predict the original token at
// masked positions from the final hidden states, logits = h @ tok_emb^T + mlm.bias (the output
// layer tied to the token embeddings), mean cross-entropy over the masked positions.
//   packed: forward and hand-written backward (mlmLossAndGrads);
//   padded: the loss as TF.js ops for autograd (mlmLossPadded);
//   onnx:   loss and backward nodes in the MLM graph (mlmOnnx).
import * as tf from '@tensorflow/tfjs';
import { DT } from '../../core/onnx-proto';
import type { OpNode } from '../arch';
import type { OnnxCtx } from '../onnx-graph';
import type { ParamTensors } from './types';

export interface MlmResult {
  /** Mean cross-entropy over the masked positions. */
  loss: tf.Scalar;
  /** (T, D) gradient for the encoder's hidden states. */
  dhidden: tf.Tensor2D;
  /** (V, D) gradient of the tied token embeddings (output side only). */
  dTokEmb: tf.Tensor2D;
  /** (V) gradient of the output bias. */
  dBias: tf.Tensor1D;
}

/**
 * Cross-entropy of softmax(h_r @ E^T + b) against targets at the masked rows r, summed and
 * divided by `denominator` (default: the number of rows here; the trainer passes the
 * masked-token count of the whole step, so chunks add up to the step's mean). Caller disposes the result.
 * @example const r = mlmLossAndGrads(hidden, new Int32Array([3, 7]), new Int32Array([42, 17]), P.tok_emb, P['mlm.bias']);
 */
export function mlmLossAndGrads(
  hidden: tf.Tensor2D,
  rows: Int32Array,
  targets: Int32Array,
  tokEmb: tf.Tensor2D,
  bias: tf.Tensor1D,
  denominator = rows.length,
): MlmResult {
  const M = rows.length;
  if (M === 0 || targets.length !== M)
    throw new Error(`mlmLossAndGrads: ${M} masked rows and ${targets.length} targets`);
  const [T, D] = hidden.shape;
  const V = tokEmb.shape[0];
  // tf.tidy's type wants a TensorContainer; an MlmResult of tensors is one (the cast only widens).
  return tf.tidy(() => {
    const rowT = tf.tensor1d(rows, 'int32');
    const sel = tf.gather(hidden, rowT) as tf.Tensor2D; //                          (M, D)
    const logits = tf.add(tf.matMul(sel, tf.transpose(tokEmb)), bias) as tf.Tensor2D; // (M, D) @ (D, V) -> (M, V)
    const logp = tf.logSoftmax(logits); //                                          (M, V)
    const onehot = tf.oneHot(tf.tensor1d(targets, 'int32'), V); //                  (M, V)
    const loss = tf.neg(tf.div(tf.sum(tf.mul(logp, onehot)), denominator)) as tf.Scalar;
    const dlogits = tf.div(tf.sub(tf.exp(logp), onehot), denominator) as tf.Tensor2D; // (M, V)
    const dsel = tf.matMul(dlogits, tokEmb); //                                     (M, V) @ (V, D) -> (M, D)
    const dTokEmb = tf.transpose(tf.matMul(tf.transpose(sel), dlogits)) as tf.Tensor2D; // ((D, M) @ (M, V))^T -> (V, D)
    const dhidden = tf.scatterND(tf.reshape(rowT, [M, 1]), dsel, [T, D]) as tf.Tensor2D; // (T, D)
    const out: MlmResult = { loss, dhidden, dTokEmb, dBias: tf.sum(dlogits, 0) as tf.Tensor1D };
    return out as unknown as tf.TensorContainer;
  }) as unknown as MlmResult;
}

/**
 * Mean MLM cross-entropy at masked rows of a padded batch (rows index the (N * L) rows), as
 * TF.js ops: the autograd form of mlmLossAndGrads.
 */
export function mlmLossPadded(
  op: OpNode,
  hidden: tf.Tensor2D,
  rows: Int32Array,
  targets: Int32Array,
  P: ParamTensors,
  denominator: number,
): tf.Scalar {
  const [tok, bias] = op.params.map((n) => P[n]!);
  const V = tok!.shape[0]!;
  const sel = tf.gather(hidden, tf.tensor1d(rows, 'int32')); //                                     (M, D)
  const logits = tf.add(tf.matMul(sel, tok as tf.Tensor2D, false, true), bias!); //                 (M, V)
  const onehot = tf.oneHot(tf.tensor1d(targets, 'int32'), V);
  return tf.neg(tf.div(tf.sum(tf.mul(tf.logSoftmax(logits), onehot)), denominator)) as tf.Scalar;
}

/**
 * ONNX nodes of the MLM loss and its backward over hidden [B*L, D]; returns d loss / d hidden.
 *   inputs  mlm_rows int64 [M] (rows of the padded [B*L] layout, distinct), mlm_targets int64 [M], mlm_scale float []
 *   outputs mlm_loss float [], grad.head.<tok> [V, D] (the output layer's share of the table's gradient), grad.<bias> [V]
 */
export function mlmOnnx(c: OnnxCtx, op: OpNode, hidden: string): string {
  const g = c.g;
  const [tok, bias] = op.params.map((n) => g.param(n));
  const rows = g.input('mlm_rows', ['M'], DT.INT64);
  const targets = g.input('mlm_targets', ['M'], DT.INT64);
  const scale = g.input('mlm_scale', []);
  const sel = g.op('Gather', [hidden, rows], { axis: 0 }); // [M, D]
  // log-softmax as s - log(sum(exp(s))), s = logits - max (no LogSoftmax node: onnxruntime's WebGPU provider lacks it)
  const logits = g.op('Gemm', [sel, tok!, bias!], { transB: 1 }); // [M, V]
  const shifted = g.op('Sub', [logits, g.op('ReduceMax', [logits], { axes: [-1], keepdims: 1 })]);
  const logp = g.op('Sub', [shifted, g.op('Log', [g.op('ReduceSum', [g.op('Exp', [shifted]), c.axLast])])]); // [M, V]
  // one-hot rows as targets == 0..V-1 (no OneHot node, same reason; ids < 2^24 are exact in float)
  const vocab = g.op('Range', [g.f32('zero_f', 0), g.f32('vocab_f', op.width), c.one]); // [V]
  const tgt = g.op('Unsqueeze', [g.op('Cast', [targets], { to: DT.FLOAT }), c.ax1]); // [M, 1]
  const onehot = g.op('Cast', [g.op('Equal', [tgt, vocab])], { to: DT.FLOAT }); // [M, V]
  const picked = g.op('ReduceSum', [g.op('Mul', [logp, onehot]), g.i64('all01', [0, 1])], { keepdims: 0 });
  g.output(g.op('Neg', [g.op('Mul', [picked, scale])], undefined, 'mlm_loss'), []);
  const dlogits = g.op('Mul', [g.op('Sub', [g.op('Exp', [logp]), onehot]), scale]); // [M, V]
  g.output(g.op('Gemm', [dlogits, sel], { transA: 1 }, `grad.head.${tok}`), g.shape(tok!));
  g.op('ReduceSum', [dlogits, c.ax0], { keepdims: 0 }, g.gradOut(bias!));
  const dsel = g.op('MatMul', [dlogits, tok!]); // [M, D]
  const zeros = g.op('Expand', [g.f32('zero_f', 0), g.op('Shape', [hidden])]); // float zeros (no ConstantOfShape node)
  return g.op('ScatterND', [zeros, g.op('Unsqueeze', [rows, c.ax1]), dsel]); // [B*L, D]
}
