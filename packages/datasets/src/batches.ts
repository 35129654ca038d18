import { InvalidArgumentError, SeedStream, assertFiniteNumber, assertPositiveInteger } from '@geoparam/core';
import { assertDataset, type Dataset } from './dataset';
import { shuffledIndices } from './splits';

export interface Batch {
  x: Float32Array;
  y: Float32Array;
  size: number;
  /** The rows of the dataset in this batch, in batch order. */
  indices: Int32Array;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle the order of the examples each epoch (default false: dataset order). */
  shuffle?: boolean;
  seed?: number;
  /** With `shuffle`, each epoch gets its own order, and the same (seed, epoch) always the same one. */
  epoch?: number;
  /** Skip the last batch when it is smaller than batchSize. */
  dropRemainder?: boolean;
}

/**
 * One epoch of mini-batches (copies of the rows). Options are checked when called, before the
 * first batch is asked for.
 */
export function batches(d: Dataset, o: BatchOptions): Generator<Batch, void, undefined> {
  assertDataset('dataset', d);
  assertPositiveInteger('batchSize', o.batchSize);
  const seed = o.seed ?? 0;
  assertFiniteNumber('seed', seed);
  const epoch = o.epoch ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0) throw new InvalidArgumentError('epoch', epoch, 'a non-negative integer');
  const order = o.shuffle ? shuffledIndices(d.numExamples, epochSeed(seed, epoch)) : identity(d.numExamples);
  return generate(d, order, o.batchSize, o.dropRemainder ?? false);
}

function* generate(d: Dataset, order: Int32Array, batchSize: number, dropRemainder: boolean): Generator<Batch, void, undefined> {
  const { numFeatures: f, numTargets: t } = d;
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, Math.min(start + batchSize, order.length));
    if (dropRemainder && indices.length < batchSize) return;
    const x = new Float32Array(indices.length * f);
    const y = new Float32Array(indices.length * t);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      x.set(d.x.subarray(i * f, (i + 1) * f), k * f);
      y.set(d.y.subarray(i * t, (i + 1) * t), k * t);
    }
    yield { x, y, size: indices.length, indices };
  }
}

/** The epoch-th seed of the user's seed stream: cheap (epochs are at most ~1e4) and collision-free in practice. */
function epochSeed(seed: number, epoch: number): number {
  const stream = new SeedStream(seed);
  for (let i = 0; i < epoch; i++) stream.next();
  return stream.next();
}

function identity(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
