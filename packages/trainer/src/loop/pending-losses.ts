import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, assertPositiveInteger } from '@geoparam/core';

/** Steps between reads of the training loss when `readEvery` is not given. */
export const DEFAULT_READ_EVERY = 32;

export function checkReadEvery(value: number | undefined): number {
  if (value === undefined) return DEFAULT_READ_EVERY;
  assertPositiveInteger('readEvery', value);
  return value;
}

/** Losses of steps already taken, as read from the device: one row per step, one column per run. */
export interface ReadLosses {
  /** Row-major `[steps, width]`. */
  values: Float32Array;
  width: number;
  /** Examples in each step's batch. */
  sizes: number[];
}

/**
 * Each step's loss stays on the device (a scalar, or one value per stacked member) until the loop
 * asks for them: then one `await data()` reads every pending step. No synchronous read, and one
 * device round trip per `readEvery` steps instead of one per step.
 */
export class PendingLosses {
  private tensors: tf.Tensor[] = [];
  private sizes: number[] = [];

  get length(): number {
    return this.tensors.length;
  }

  /** Takes ownership of `loss` (shape `[]` or `[width]`). */
  push(loss: tf.Tensor, size: number): void {
    if (this.tensors.length > 0 && loss.size !== this.tensors[0]!.size) {
      throw new InvalidArgumentError('loss', `shape [${loss.shape}]`, `the width of the pending losses (${this.tensors[0]!.size})`);
    }
    this.tensors.push(loss);
    this.sizes.push(size);
  }

  /** Reads every pending step's loss with one `await data()` and frees them. */
  async read(): Promise<ReadLosses> {
    const tensors = this.tensors;
    const sizes = this.sizes;
    this.tensors = [];
    this.sizes = [];
    if (tensors.length === 0) return { values: new Float32Array(0), width: 0, sizes };
    const width = tensors[0]!.size;
    // One pending step (read every step) is read as it is: no extra kernel for the common case.
    const stacked = tensors.length === 1 ? tensors[0]! : tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [width]))));
    if (tensors.length > 1) tf.dispose(tensors);
    try {
      return { values: (await stacked.data()) as Float32Array, width, sizes };
    } finally {
      stacked.dispose();
    }
  }

  /** Frees the losses not read yet. */
  dispose(): void {
    tf.dispose(this.tensors);
    this.tensors = [];
    this.sizes = [];
  }
}
