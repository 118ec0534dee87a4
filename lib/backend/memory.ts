// Tensor accounting for tests and debug: no stage may leak tensors.
import * as tf from '@tensorflow/tfjs';

export function tensorCount(): number {
  return tf.memory().numTensors;
}

/** Run fn and return how many tensors it left alive. */
export async function leakedTensors(fn: () => unknown | Promise<unknown>): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}
