import * as tf from '@tensorflow/tfjs-core';
import { UnknownNameError } from '@geoparam/core';

export type LossName = 'mae' | 'mse' | 'binaryCrossentropy' | 'softmaxCrossentropy';

/** Losses take the model's logits (pre-head outputs), so cross-entropies are computed stably. */
export type LossFn = (logits: tf.Tensor, targets: tf.Tensor) => tf.Scalar;

/**
 * Per-value loss terms whose mean is the loss: one per target value (regression, sigmoid) or one
 * per example (softmax). Leading axes are free, so stacked members (`[batch, members, outputs]`)
 * average their own terms.
 */
export type LossTerms = (logits: tf.Tensor, targets: tf.Tensor) => tf.Tensor;

const terms: Record<LossName, LossTerms> = {
  mae: (logits, targets) => tf.abs(tf.sub(logits, targets)),
  mse: (logits, targets) => tf.squaredDifference(logits, targets),
  // max(z, 0) - z y + log(1 + exp(-|z|)): exact, no overflow for large |z|.
  binaryCrossentropy: (logits, targets) => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
  // Targets are class indices ([..., 1]) or one-hot rows ([..., classes]).
  softmaxCrossentropy: (logits, targets) => {
    const classes = logits.shape[logits.rank - 1]!;
    const oneHot =
      targets.shape[targets.rank - 1] === classes && classes > 1 ? targets : tf.oneHot(tf.cast(tf.reshape(targets, targets.shape.slice(0, -1)), 'int32'), classes);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1));
  },
};

export const LOSS_NAMES = Object.keys(terms) as LossName[];

export function getLossTerms(name: string): LossTerms {
  const loss = terms[name as LossName];
  if (!loss) throw new UnknownNameError('loss', name, LOSS_NAMES);
  return loss;
}

export function getLoss(name: string): LossFn {
  const loss = getLossTerms(name);
  return (logits, targets) => tf.mean(loss(logits, targets));
}
