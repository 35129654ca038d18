import * as tf from '@tensorflow/tfjs-core';
import { GeoparamError, assertPositiveInteger } from '@geoparam/core';
import type { Dataset } from '@geoparam/datasets';
import { batchTensors, toSource, type BatchSource } from './source';
import { assertModelFitsData, findNonFiniteWeight, type Head, type Model } from '@geoparam/models';
import { getLoss, type LossFn, type LossName } from './losses';
import { getMetric, type Metric, type MetricName } from './metrics';

export interface EvaluateOptions {
  loss?: LossName;
  metrics?: MetricName[];
  batchSize?: number;
  /**
   * A NaN or Infinity result: `throw` (default) a NonFiniteEvaluationError naming the cause, or
   * `return` it (training loops, whose safety net handles divergence).
   */
  nonFinite?: 'throw' | 'return';
}

/** Evaluation gave NaN or Infinity: the message names the non-finite weight, or says the outputs overflowed. */
export class NonFiniteEvaluationError extends GeoparamError {
  constructor(
    readonly model: string,
    readonly key: string,
    readonly value: number,
    reason: string,
  ) {
    super('NON_FINITE', `evaluating model "${model}" gave ${key} = ${value}: ${reason}`);
  }
}

/** What one evaluation accumulates: a loss (or none) and metrics, each as a sum over examples. */
export interface EvaluationSums {
  loss: LossFn | null;
  metrics: Metric[];
}

export function evaluationSums(options: EvaluateOptions): EvaluationSums {
  return { loss: options.loss ? getLoss(options.loss) : null, metrics: (options.metrics ?? []).map(getMetric) };
}

/** One batch's sums, `[1 + metrics]`: the loss times the batch size (0 without a loss), then each metric's sum. */
export function batchSums(sums: EvaluationSums, logits: tf.Tensor, targets: tf.Tensor, size: number, head: Head): tf.Tensor1D {
  const parts = [sums.loss ? tf.mul(sums.loss(logits, targets), size) : tf.scalar(0), ...sums.metrics.map((m) => m.sum(logits, targets, head))];
  return tf.stack(parts) as tf.Tensor1D;
}

/** Totals over a whole set to logs: the loss is a mean per example, metrics are finalized per value. */
export function finalizeSums(sums: EvaluationSums, totals: ArrayLike<number>, source: Pick<BatchSource, 'numExamples' | 'targetShape'>): Record<string, number> {
  const out: Record<string, number> = {};
  const n = Math.max(source.numExamples, 1);
  if (sums.loss) out['loss'] = totals[0]! / n;
  // Per-example sums; regression metrics average over every target value.
  const targetsPerExample = source.targetShape.reduce((a, b) => a * b, 1);
  sums.metrics.forEach((m, i) => {
    const per = m.perExample ? n : n * Math.max(targetsPerExample, 1);
    out[m.name] = m.finalize(totals[i + 1]! / per);
  });
  return out;
}

/** Loss and metrics over a whole set at inference (running statistics), in batches. */
export function evaluate(model: Model, data: Dataset | BatchSource, options: EvaluateOptions = {}): Record<string, number> {
  const source = toSource(data, 'data');
  const batchSize = options.batchSize ?? 4096;
  assertPositiveInteger('batchSize', batchSize);
  assertModelFitsData(model, source.inputShape, source.targetShape, 'data');
  const sums = evaluationSums(options);
  const totals = new Float64Array(sums.metrics.length + 1);
  for (const batch of source.batches({ batchSize, shuffle: false, seed: 0, epoch: 0 })) {
    const values = tf.tidy(() => {
      const { x, y } = batchTensors(source, batch);
      return batchSums(sums, model.logits(x), y, batch.size, model.head);
    });
    const host = values.dataSync();
    values.dispose();
    host.forEach((v, i) => (totals[i]! += v));
  }
  const result = finalizeSums(sums, totals, source);
  const bad = Object.entries(result).find(([, v]) => !Number.isFinite(v));
  if (bad && (options.nonFinite ?? 'throw') === 'throw') {
    const weight = findNonFiniteWeight(model);
    throw new NonFiniteEvaluationError(model.name, bad[0], bad[1], weight ? weight.message : 'its weights are finite, so its outputs overflowed float32 (standardize the inputs, or train with a smaller learning rate)');
  }
  return result;
}
