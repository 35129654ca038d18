import * as tf from '@tensorflow/tfjs-core';
import { UnknownNameError } from '@geoparam/core';
import type { Head } from '@geoparam/models';

export type MetricName = 'rmse' | 'mse' | 'mae' | 'accuracy' | 'top5';

/**
 * A metric as a per-example sum plus a finalizer, so it can be accumulated over batches and
 * reported exactly for the whole set (RMSE is the root of the mean, not the mean of roots).
 */
export interface Metric {
  name: MetricName;
  /** Sum over the batch of the per-example quantity. */
  sum(logits: tf.Tensor, targets: tf.Tensor, head: Head): tf.Scalar;
  finalize(meanOfSums: number): number;
  /** Counted once per example (classification), not once per target value (regression). */
  perExample: boolean;
}

function predictedClass(logits: tf.Tensor, head: Head): tf.Tensor {
  if (head === 'softmax' || logits.shape[logits.rank - 1]! > 1) return tf.argMax(logits, -1);
  // Sigmoid head: class 1 where the logit is positive.
  return tf.reshape(tf.cast(tf.greater(logits, 0), 'int32'), [-1]);
}

function trueClass(targets: tf.Tensor, classes: number): tf.Tensor {
  if (classes > 1 && targets.shape[targets.rank - 1] === classes) return tf.argMax(targets, -1);
  return tf.reshape(tf.cast(tf.round(targets), 'int32'), [-1]);
}

const metrics: Record<MetricName, Metric> = {
  mse: { name: 'mse', sum: (p, t) => tf.sum(tf.squaredDifference(p, t)), finalize: (m) => m, perExample: false },
  rmse: { name: 'rmse', sum: (p, t) => tf.sum(tf.squaredDifference(p, t)), finalize: (m) => Math.sqrt(m), perExample: false },
  mae: { name: 'mae', sum: (p, t) => tf.sum(tf.abs(tf.sub(p, t))), finalize: (m) => m, perExample: false },
  accuracy: {
    name: 'accuracy',
    sum: (logits, targets, head) =>
      tf.sum(tf.cast(tf.equal(predictedClass(logits, head), trueClass(targets, logits.shape[logits.rank - 1]!)), 'float32')),
    finalize: (m) => m,
    perExample: true,
  },
  // Top-5 accuracy: the true class is among the five largest logits (softmax heads).
  top5: {
    name: 'top5',
    sum: (logits, targets) => {
      const classes = logits.shape[logits.rank - 1]!;
      const k = Math.min(5, classes);
      const top = tf.topk(logits, k).indices;
      const truth = tf.reshape(trueClass(targets, classes), [-1, 1]);
      return tf.sum(tf.cast(tf.any(tf.equal(top, tf.cast(truth, 'int32')), -1), 'float32'));
    },
    finalize: (m) => m,
    perExample: true,
  },
};

export const METRIC_NAMES = Object.keys(metrics) as MetricName[];

export function getMetric(name: string): Metric {
  const metric = metrics[name as MetricName];
  if (!metric) throw new UnknownNameError('metric', name, METRIC_NAMES);
  return metric;
}
