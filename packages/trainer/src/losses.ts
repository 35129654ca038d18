import * as tf from '@tensorflow/tfjs-core';
import { UnknownNameError } from '@geoparam/core';

export type LossName = 'mae' | 'mse' | 'binaryCrossentropy' | 'softmaxCrossentropy';

/** Losses take the model's logits (pre-head outputs), so cross-entropies are computed stably. */
export type LossFn = (logits: tf.Tensor, targets: tf.Tensor) => tf.Scalar;

const losses: Record<LossName, LossFn> = {
  mae: (logits, targets) => tf.mean(tf.abs(tf.sub(logits, targets))),
  mse: (logits, targets) => tf.mean(tf.squaredDifference(logits, targets)),
  // max(z, 0) - z y + log(1 + exp(-|z|)): exact, no overflow for large |z|.
  binaryCrossentropy: (logits, targets) =>
    tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))),
  // Targets are class indices ([n, 1]) or one-hot rows ([n, classes]).
  softmaxCrossentropy: (logits, targets) => {
    const classes = logits.shape[logits.rank - 1]!;
    const oneHot = targets.shape[targets.rank - 1] === classes && classes > 1 ? targets : tf.oneHot(tf.cast(tf.reshape(targets, [-1]), 'int32'), classes);
    return tf.mean(tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1)));
  },
};

export const LOSS_NAMES = Object.keys(losses) as LossName[];

export function getLoss(name: string): LossFn {
  const loss = losses[name as LossName];
  if (!loss) throw new UnknownNameError('loss', name, LOSS_NAMES);
  return loss;
}
