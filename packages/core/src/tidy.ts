import * as tf from '@tensorflow/tfjs-core';

/** `tf.tidy` for results typed as interfaces (tfjs's typing wants an index signature). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
