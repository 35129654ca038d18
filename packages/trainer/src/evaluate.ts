import * as tf from '@tensorflow/tfjs-core';
import { GeoparamError, assertPositiveInteger } from '@geoparam/core';
import { assertModelFitsData, findNonFiniteWeight, type Head, type Model } from '@geoparam/models';
import { epochBatches, resolveInput, type DataInput, type ResolvedInput } from './inputs';
import { getLoss, type LossFn, type LossName } from './losses';
import { getMetric, type Metric, type MetricName } from './metrics';

export interface EvaluateOptions {
  loss?: LossName;
  metrics?: MetricName[];
  /** Examples per batch of a sized set (default 4096); a tf.data dataset brings its own batches. */
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

/**
 * Per-batch sums (each `[..., width]`) read with one `await data()` and totalled on the host in
 * float64, batch after batch: the same totals a read per batch gives, with one device round trip.
 */
export async function readSums(batches: tf.Tensor[], width: number, columns = 1): Promise<Float64Array[]> {
  const totals = Array.from({ length: columns }, () => new Float64Array(width));
  if (batches.length === 0) return totals;
  const all = tf.tidy(() => tf.concat(batches.map((b) => tf.reshape(b, [-1]))));
  tf.dispose(batches);
  let values: Float32Array;
  try {
    values = (await all.data()) as Float32Array;
  } finally {
    all.dispose();
  }
  const perBatch = columns * width;
  for (let b = 0; b < values.length / perBatch; b++) {
    totals.forEach((t, c) => {
      for (let i = 0; i < width; i++) t[i]! += values[b * perBatch + c * width + i]!;
    });
  }
  return totals;
}

/** Totals over a whole set to logs: the loss is a mean per example, metrics are finalized per value. */
export function finalizeSums(sums: EvaluationSums, totals: ArrayLike<number>, source: { numExamples: number; targetShape: readonly number[] }): Record<string, number> {
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

/** `evaluate` on an input already resolved (the training loop's own sets). */
export async function evaluateInput(model: Model, input: ResolvedInput, options: EvaluateOptions = {}): Promise<Record<string, number>> {
  const batchSize = options.batchSize ?? 4096;
  assertPositiveInteger('batchSize', batchSize);
  if (input.kind === 'sized') assertModelFitsData(model, input.source.inputShape, input.source.targetShape, input.argument);
  const sums = evaluationSums(options);
  const perBatch: tf.Tensor[] = [];
  let numExamples = 0;
  let targetShape: readonly number[] = input.kind === 'sized' ? input.source.targetShape : [1];
  try {
    for await (const batch of epochBatches(input, { batchSize, shuffle: false, seed: 0, epoch: 0 })) {
      try {
        perBatch.push(tf.tidy(() => batchSums(sums, model.logits(batch.x), batch.y, batch.size, model.head)));
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
      numExamples += batch.size;
      targetShape = batch.y.shape.slice(1);
    }
  } catch (error) {
    tf.dispose(perBatch);
    throw error;
  }
  const [totals] = await readSums(perBatch, sums.metrics.length + 1);
  const result = finalizeSums(sums, totals!, { numExamples, targetShape });
  const bad = Object.entries(result).find(([, v]) => !Number.isFinite(v));
  if (bad && (options.nonFinite ?? 'throw') === 'throw') {
    const weight = await findNonFiniteWeight(model);
    throw new NonFiniteEvaluationError(model.name, bad[0], bad[1], weight ? weight.message : 'its weights are finite, so its outputs overflowed float32 (standardize the inputs, or train with a smaller learning rate)');
  }
  return result;
}

/**
 * Loss and metrics over a whole set at inference (running statistics), in batches. Takes what
 * `fit` takes (a Dataset, a BatchSource, `{ x, y }` tensors, a tf.data dataset of `{ xs, ys }`);
 * asynchronous: the sums stay on the device and are read once, with `await data()`.
 */
export async function evaluate(model: Model, data: DataInput, options: EvaluateOptions = {}): Promise<Record<string, number>> {
  return evaluateInput(model, await resolveInput(data, 'data'), options);
}
