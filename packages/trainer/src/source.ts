import * as tf from '@tensorflow/tfjs-core';
import { assertFiniteDataset, batches, type Dataset } from '@geoparam/datasets';

export interface HostBatch {
  /** Row-major values of `size` examples of `inputShape`. */
  x: Float32Array;
  /** Targets: values of `targetShape`, or class indices. */
  y: Float32Array | Int32Array;
  size: number;
}

export interface BatchOrder {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  epoch: number;
}

/**
 * Where `fit` and `evaluate` get examples: one epoch of host batches at a time, so a large set
 * (images) is converted to float32 batch by batch instead of being held twice.
 */
export interface BatchSource {
  readonly numExamples: number;
  /** Per-example input shape: `[features]` or `[height, width, channels]`. */
  readonly inputShape: readonly number[];
  readonly targetShape: readonly number[];
  batches(order: BatchOrder): Iterable<HostBatch>;
}

export function isBatchSource(value: unknown): value is BatchSource {
  return typeof (value as Partial<BatchSource>)?.batches === 'function' && Array.isArray((value as Partial<BatchSource>).inputShape);
}

/** A tabular Dataset as a batch source; a NaN or Infinity in it is named (row, column) here, before any step. */
export function tabularSource(d: Dataset, argument = 'data'): BatchSource {
  assertFiniteDataset(argument, d);
  return {
    numExamples: d.numExamples,
    inputShape: [d.numFeatures],
    targetShape: [d.numTargets],
    batches: (order) => batches(d, order),
  };
}

export function batchTensors(source: BatchSource, batch: HostBatch): { x: tf.Tensor; y: tf.Tensor } {
  return {
    x: tf.tensor(batch.x, [batch.size, ...source.inputShape], 'float32'),
    y: tf.tensor(batch.y instanceof Float32Array ? batch.y : Float32Array.from(batch.y), [batch.size, ...source.targetShape], 'float32'),
  };
}
