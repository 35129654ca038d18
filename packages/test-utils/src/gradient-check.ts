import * as tf from '@tensorflow/tfjs-core';
import { SeedStream } from '@geoparam/core';

export interface GradientCheckOptions {
  /** Finite-difference step; float32 central differences balance rounding and truncation near 1e-2..1e-3. */
  step?: number;
  /** Coordinates sampled per variable (all when the variable is smaller). */
  samplesPerVariable?: number;
  seed?: number;
}

export interface GradientCheckResult {
  /** max over sampled coordinates of |analytic - numeric| / max(1, |analytic|, |numeric|). */
  maxError: number;
  checked: number;
  worst: { variable: number; index: number; analytic: number; numeric: number } | null;
}

/**
 * Compares the gradients tfjs computes for `loss` with central finite differences of the same
 * float32 function, coordinate by coordinate.
 */
export async function checkGradients(loss: () => tf.Scalar, variables: readonly tf.Variable[], options: GradientCheckOptions = {}): Promise<GradientCheckResult> {
  const step = options.step ?? 1e-3;
  const samples = options.samplesPerVariable ?? 12;
  const seeds = new SeedStream(options.seed ?? 0);
  const { value: lossValue, grads } = tf.variableGrads(loss, [...variables]);
  const analytic = await Promise.all(variables.map(async (v) => (await grads[v.name]!.data()).slice()));
  tf.dispose([lossValue, grads]);
  const evaluate = async () => {
    const value = tf.tidy(loss);
    const out = (await value.data())[0]!;
    value.dispose();
    return out;
  };
  let maxError = 0;
  let checked = 0;
  let worst: GradientCheckResult['worst'] = null;
  for (const [vi, variable] of variables.entries()) {
    const original = (await variable.data()).slice();
    const size = original.length;
    const indices = size <= samples ? [...Array(size).keys()] : Array.from({ length: samples }, () => seeds.next() % size);
    for (const index of indices) {
      const shifted = async (delta: number) => {
        const copy = original.slice();
        copy[index] = copy[index]! + delta;
        const t = tf.tensor(copy, variable.shape);
        variable.assign(t);
        t.dispose();
        return evaluate();
      };
      const numeric = ((await shifted(step)) - (await shifted(-step))) / (2 * step);
      const value = analytic[vi]![index]!;
      const error = Math.abs(value - numeric) / Math.max(1, Math.abs(value), Math.abs(numeric));
      checked++;
      if (!(error <= maxError)) {
        maxError = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error;
        worst = { variable: vi, index, analytic: value, numeric };
      }
    }
    const restore = tf.tensor(original, variable.shape);
    variable.assign(restore);
    restore.dispose();
  }
  return { maxError, checked, worst };
}
