import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInteger } from '@geoparam/core';
import type { Dataset } from '@geoparam/datasets';
import type { Model } from '@geoparam/models';
import { getLoss, type LossName } from './losses';
import { getMetric, type MetricName } from './metrics';

export interface EvaluateOptions {
  loss?: LossName;
  metrics?: MetricName[];
  batchSize?: number;
}

export function toTensors(d: Dataset, start: number, size: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return {
    x: tf.tensor2d(d.x.subarray(start * d.numFeatures, (start + size) * d.numFeatures), [size, d.numFeatures]),
    y: tf.tensor2d(d.y.subarray(start * d.numTargets, (start + size) * d.numTargets), [size, d.numTargets]),
  };
}

/** Loss and metrics over a whole set at inference (running statistics), in batches. */
export function evaluate(model: Model, data: Dataset, options: EvaluateOptions = {}): Record<string, number> {
  const batchSize = options.batchSize ?? 4096;
  assertPositiveInteger('batchSize', batchSize);
  const loss = options.loss ? getLoss(options.loss) : null;
  const metrics = (options.metrics ?? []).map(getMetric);
  const sums = new Float64Array(metrics.length + 1);
  for (let start = 0; start < data.numExamples; start += batchSize) {
    const size = Math.min(batchSize, data.numExamples - start);
    const values = tf.tidy(() => {
      const { x, y } = toTensors(data, start, size);
      const logits = model.logits(x);
      const parts = [loss ? tf.mul(loss(logits, y), size) : tf.scalar(0), ...metrics.map((m) => m.sum(logits, y, model.head))];
      return tf.stack(parts);
    });
    const host = values.dataSync();
    values.dispose();
    host.forEach((v, i) => (sums[i]! += v));
  }
  const out: Record<string, number> = {};
  const n = Math.max(data.numExamples, 1);
  if (options.loss) out['loss'] = sums[0]! / n;
  // Per-example sums; regression metrics average over every target value.
  metrics.forEach((m, i) => {
    const per = m.name === 'accuracy' ? n : n * Math.max(data.numTargets, 1);
    out[m.name] = m.finalize(sums[i + 1]! / per);
  });
  return out;
}
