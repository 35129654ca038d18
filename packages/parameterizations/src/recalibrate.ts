import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertPositiveInteger } from '@geoparam/core';
import type { ApplyOptions } from './layers';

/**
 * A network whose layers keep running statistics (BN, WN+MBN, IMN): a function of a batch and
 * the apply options, or anything with `logits(x, options)` (a `@geoparam/models` Model).
 */
export type StatisticsForward =
  | ((x: tf.Tensor, options: ApplyOptions) => tf.Tensor)
  | {
      /** The network's output before its head, for a batch. */
      logits(x: tf.Tensor, options: ApplyOptions): tf.Tensor;
    };

/** Options of `recalibrateStatistics`. */
export interface RecalibrateOptions {
  /** Use at most this many batches of `batches` (default: all of them). */
  limit?: number;
}

/**
 * Re-estimates every running statistic of `model` (BN's running mean and variance, WN+MBN's
 * running mean, IMN's running mean) from `batches` of inputs, with every weight untouched
 * ("precise BN"). Each batch runs forward in training mode, so every layer sees the batch
 * statistics its running statistics stand for, with momentum `1 - 1/k` at batch k: afterwards the
 * running statistics are the plain average of the batches' statistics, whatever they held before
 * (a running average with the paper's momentum 0.99 still remembers its start after a few hundred
 * steps, which is what short runs evaluate with). Layers without running statistics only compute.
 * The caller keeps ownership of the batches. Returns the number of batches used; none is an error.
 */
export async function recalibrateStatistics(
  model: StatisticsForward,
  batches: Iterable<tf.Tensor> | AsyncIterable<tf.Tensor>,
  options: RecalibrateOptions = {},
): Promise<number> {
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity) assertPositiveInteger('limit', limit);
  const forward = typeof model === 'function' ? model : (x: tf.Tensor, o: ApplyOptions) => model.logits(x, o);
  let count = 0;
  for await (const x of batches) {
    count++;
    const statisticsMomentum = 1 - 1 / count;
    // The output is not needed; the running statistics are assigned inside the layers.
    tf.tidy(() => {
      forward(x, { training: true, statisticsMomentum });
    });
    // Stop before asking for a batch that would not be used.
    if (count >= limit) break;
  }
  if (count === 0) throw new InvalidArgumentError('batches', 'no batches', 'at least one batch to estimate the running statistics from');
  return count;
}
