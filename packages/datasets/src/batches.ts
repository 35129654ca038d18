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
  const { order } = epochPlan(d.numExamples, o);
  return generate(d, order, o.batchSize, o.dropRemainder ?? false);
}

/**
 * The checked options of one epoch: its seed (the epoch-th of the user's seed stream, so the same
 * (seed, epoch) always gives the same order, whatever the data) and the example order. Shared by
 * every batch generator so tabular and image data shuffle alike.
 */
export function epochPlan(numExamples: number, o: BatchOptions): { epochSeed: number; order: Int32Array } {
  assertPositiveInteger('batchSize', o.batchSize);
  const seed = o.seed ?? 0;
  assertFiniteNumber('seed', seed);
  const epoch = o.epoch ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0) throw new InvalidArgumentError('epoch', epoch, 'a non-negative integer');
  const epochSeed = new SeedStream(seed).skip(epoch).next();
  const order = o.shuffle ? shuffledIndices(numExamples, epochSeed) : Int32Array.from({ length: numExamples }, (_, i) => i);
  return { epochSeed, order };
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
