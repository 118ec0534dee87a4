import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mlmLossAndGrads } from '../../lib/encoder/ops/mlm-head';

describe('mlmLossAndGrads', () => {
  it('hand-computed loss on a uniform prediction', () => {
    // zero hidden states and bias: every logit is 0, so the loss is log V
    const r = mlmLossAndGrads(
      tf.zeros([4, 3]) as tf.Tensor2D,
      new Int32Array([1, 2]),
      new Int32Array([0, 4]),
      tf.ones([5, 3]) as tf.Tensor2D,
      tf.zeros([5]) as tf.Tensor1D,
    );
    expect(r.loss.dataSync()[0]).toBeCloseTo(Math.log(5), 6);
    // d bias = (softmax - onehot) / M summed over rows = (2 * 0.2 - [1,0,0,0,1]) / 2
    expect(Array.from(r.dBias.dataSync())).toEqual([-0.3, 0.2, 0.2, 0.2, -0.3].map((x) => expect.closeTo(x, 6)));
  });

  it('gradients equal autograd', () => {
    const h = tf.randomNormal([6, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
    const E = tf.randomNormal([7, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
    const b = tf.randomNormal([7], 0, 1, 'float32', 3) as tf.Tensor1D;
    const rows = new Int32Array([0, 3, 5]),
      targets = new Int32Array([6, 2, 2]);
    const auto = tf.grads((h_, E_, b_) => {
      const logits = tf.add(tf.matMul(tf.gather(h_, Array.from(rows)), E_, false, true), b_);
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(Array.from(targets), 7)), 1)));
    })([h, E, b]);
    const r = mlmLossAndGrads(h, rows, targets, E, b);
    const close = (a: tf.Tensor, c: tf.Tensor) =>
      Array.from(a.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(c.dataSync()[i]!, 5));
    close(r.dhidden, auto[0]!);
    close(r.dTokEmb, auto[1]!);
    close(r.dBias, auto[2]!);
  });
});
