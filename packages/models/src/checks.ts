import * as tf from '@tensorflow/tfjs-core';
import { GeoparamError, NonFiniteError, ShapeMismatchError } from '@geoparam/core';
import type { Model } from './model';

const checked = new WeakMap<Model, Set<string>>();

/**
 * Runs the model on one all-zero example of `inputShape` and checks that its output can be
 * compared with targets of `targetShape`, so a mismatch is a ShapeMismatchError before any
 * training step (instead of a raw tfjs gradient error mid-step). Class-index targets (width 1)
 * fit any softmax output. `what` names the data (`data.train`).
 */
export function assertModelFitsData(model: Model, inputShape: readonly number[], targetShape: readonly number[], what: string): void {
  model.assertUsable();
  // A model's layers never change shape: one probe per model and data shape (evaluate runs every
  // epoch, and on tiny sets the probe would cost as much as the evaluation).
  const key = `${inputShape.join('x')}|${targetShape.join('x')}`;
  const seen = checked.get(model) ?? new Set<string>();
  if (seen.has(key)) return;
  let outputShape: number[];
  try {
    outputShape = tf.tidy(() => model.logits(tf.zeros([1, ...inputShape])).shape);
  } catch (error) {
    if (error instanceof GeoparamError) throw error;
    const expected = model.inputShape ?? (model.inputDim === null ? null : [model.inputDim]);
    if (!expected) throw error;
    throw new ShapeMismatchError(`per-example inputs of ${what} (the input of model "${model.name}")`, expected, [...inputShape]);
  }
  const outputs = outputShape.slice(1).reduce((a, b) => a * b, 1);
  const targets = targetShape.reduce((a, b) => a * b, 1);
  const ok = targets === outputs || (model.head === 'softmax' && targets === 1);
  if (!ok) throw new ShapeMismatchError(`per-example targets of ${what} (the output of model "${model.name}")`, outputShape.slice(1), [...targetShape]);
  checked.set(model, seen.add(key));
}

/** The first weight of `model` holding NaN or Infinity, as a NonFiniteError; null when all are finite (read asynchronously). */
export async function findNonFiniteWeight(model: Model): Promise<NonFiniteError | null> {
  const weights = model.getWeights();
  try {
    for (const [name, tensor] of Object.entries(weights)) {
      const values = await tensor.data();
      const at = values.findIndex((v) => !Number.isFinite(v));
      if (at >= 0) return new NonFiniteError(`weight ${name} of model "${model.name}"`, at, values[at]!);
    }
    return null;
  } finally {
    tf.dispose(Object.values(weights));
  }
}
