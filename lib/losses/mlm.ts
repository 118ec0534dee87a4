// Masked-language-model loss for pretraining (our stand-in for a pretrained LM): predict
// the original token at masked positions from the final hidden states, with the output
// projection tied to the token embeddings plus a bias. Forward and hand-written backward.
import * as tf from '@tensorflow/tfjs';

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
