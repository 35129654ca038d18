import * as tf from '@tensorflow/tfjs-core';
import type { PreActivation } from './types';

/** `a * s` with no gradient for `s`: signs have derivative 0, and skipping it saves a batch reduction. */
const multiplyBySign = tf.customGrad(((a: tf.Tensor, s: tf.Tensor, save: tf.GradSaveFunc) => {
  save([s]);
  return {
    value: tf.mul(a, s),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[0]!), tf.zerosLike(saved[0]!)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, s: tf.Tensor) => tf.Tensor;

/** A unit's output from its activated pre-activation: times the per-unit scale, if any. */
export function applyScale(activated: tf.Tensor, pre: PreActivation): tf.Tensor {
  if (!pre.scale) return activated;
  return pre.scaleIsSign ? multiplyBySign(activated, pre.scale) : tf.mul(activated, pre.scale);
}
