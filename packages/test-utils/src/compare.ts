import * as tf from '@tensorflow/tfjs-core';
import type { Tolerance } from './backends';

type Numeric = tf.Tensor | ArrayLike<number> | number;

function values(x: Numeric): Float64Array {
  if (typeof x === 'number') return Float64Array.of(x);
  if (x instanceof tf.Tensor) return Float64Array.from(x.dataSync());
  return Float64Array.from(x);
}

/** Largest `|a - e|` and the element where `|a - e| > atol + rtol |e|` first fails, if any. */
export function compare(actual: Numeric, expected: Numeric, tolerance: Tolerance) {
  const a = values(actual);
  const e = values(expected);
  if (a.length !== e.length) throw new Error(`length ${a.length} != expected length ${e.length}`);
  let maxAbs = 0;
  let firstFailure = -1;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - e[i]!);
    if (!(diff <= tolerance.atol + tolerance.rtol * Math.abs(e[i]!))) {
      if (firstFailure < 0) firstFailure = i;
    }
    if (diff > maxAbs || Number.isNaN(diff)) maxAbs = Number.isNaN(diff) ? Number.NaN : diff;
  }
  return { maxAbs, firstFailure, actual: a, expected: e };
}

/** Element-wise `|a - e| <= atol + rtol |e|`, with a message naming the first bad element. */
export function expectClose(actual: Numeric, expected: Numeric, tolerance: Tolerance): void {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    expect(actual.shape).toEqual(expected.shape);
  }
  const { maxAbs, firstFailure, actual: a, expected: e } = compare(actual, expected, tolerance);
  if (firstFailure >= 0) {
    throw new Error(
      `not close at index ${firstFailure}: ${a[firstFailure]} vs ${e[firstFailure]} (max |diff| ${maxAbs}, atol ${tolerance.atol}, rtol ${tolerance.rtol})`,
    );
  }
}

/**
 * `expectClose` after reading both sides asynchronously: the form every suite that runs on webgpu
 * uses (Node's WebGPU cannot read synchronously).
 */
export async function expectCloseAsync(actual: Numeric, expected: Numeric, tolerance: Tolerance): Promise<void> {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    expect(actual.shape).toEqual(expected.shape);
  }
  const read = async (x: Numeric) => (x instanceof tf.Tensor ? await x.data() : x);
  expectClose(await read(actual), await read(expected), tolerance);
}
