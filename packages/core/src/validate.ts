import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, NonFiniteError, ShapeMismatchError } from './errors';

export function assertPositiveInteger(argument: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(argument, value, 'a positive integer');
  }
}

export function assertFiniteNumber(argument: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(argument, value, 'a finite number');
  }
}

/** `expected` may hold `null` for a free dimension. */
export function assertShape(what: string, tensor: tf.Tensor, expected: readonly (number | null)[]): void {
  const ok =
    tensor.shape.length === expected.length && expected.every((d, i) => d === null || d === tensor.shape[i]);
  if (!ok) throw new ShapeMismatchError(what, expected, tensor.shape);
}

/**
 * Reads the tensor back asynchronously (`await data()`, which every backend supports, webgpu in
 * Node included), so call it where a device read is acceptable (loading, conversion).
 */
export async function assertFinite(what: string, tensor: tf.Tensor): Promise<void> {
  const values = await tensor.data();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new NonFiniteError(what, i, v);
  }
}
