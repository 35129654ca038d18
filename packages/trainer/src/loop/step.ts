import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@geoparam/models';
import type { LossFn } from '../losses';

/**
 * The optimizer step of `fit` (and of the playground's lanes): minimize the loss of the model's
 * training-mode logits on one batch. The loss is returned on the device, unread: the caller
 * reads it when it needs it (`PendingLosses`), so a step never waits for the device.
 */
export function trainingStep(model: Model, lossFn: LossFn, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor, variables: tf.Variable[] = model.trainableVariables): tf.Scalar {
  return tf.tidy(() => optimizer.minimize(() => lossFn(model.logits(x, { training: true }), y), true, variables)!);
}
