import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInteger } from '@geoparam/core';
import type { Dataset } from '@geoparam/datasets';
import { batchTensors, toSource, type BatchSource } from './source';
import type { Model } from '@geoparam/models';
import { getLoss, type LossName } from './losses';
import { getMetric, type MetricName } from './metrics';

export interface EvaluateOptions {
  loss?: LossName;
  metrics?: MetricName[];
  batchSize?: number;
}

/** Loss and metrics over a whole set at inference (running statistics), in batches. */
export function evaluate(model: Model, data: Dataset | BatchSource, options: EvaluateOptions = {}): Record<string, number> {
  const source = toSource(data, 'data');
  const batchSize = options.batchSize ?? 4096;
  assertPositiveInteger('batchSize', batchSize);
  const loss = options.loss ? getLoss(options.loss) : null;
  const metrics = (options.metrics ?? []).map(getMetric);
  const sums = new Float64Array(metrics.length + 1);
  for (const batch of source.batches({ batchSize, shuffle: false, seed: 0, epoch: 0 })) {
    const values = tf.tidy(() => {
      const { x, y } = batchTensors(source, batch);
      const logits = model.logits(x);
      const parts = [loss ? tf.mul(loss(logits, y), batch.size) : tf.scalar(0), ...metrics.map((m) => m.sum(logits, y, model.head))];
      return tf.stack(parts);
    });
    const host = values.dataSync();
    values.dispose();
    host.forEach((v, i) => (sums[i]! += v));
  }
  const out: Record<string, number> = {};
  const n = Math.max(source.numExamples, 1);
  if (options.loss) out['loss'] = sums[0]! / n;
  // Per-example sums; regression metrics average over every target value.
  const targetsPerExample = source.targetShape.reduce((a, b) => a * b, 1);
  metrics.forEach((m, i) => {
    const per = m.perExample ? n : n * Math.max(targetsPerExample, 1);
    out[m.name] = m.finalize(sums[i + 1]! / per);
  });
  return out;
}
