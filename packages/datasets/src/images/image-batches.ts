import { InvalidArgumentError, SeedStream, assertFiniteNumber } from '@geoparam/core';
import { epochPlan } from '../batches';
import { assertImageDataset, imageSize, type ImageDataset } from './image-dataset';

export interface ImageBatchOptions {
  batchSize: number;
  /** Shuffle the order of the examples each epoch (default false: dataset order). */
  shuffle?: boolean;
  seed?: number;
  /** Each epoch gets its own order and flips, and the same (seed, epoch) always the same ones. */
  epoch?: number;
  /** Skip the last batch when it is smaller than batchSize. */
  dropRemainder?: boolean;
  /** x/255 - mean (per channel), the paper's preprocessing; default: x/255. Plain numbers are rounded to float32 first. */
  mean?: Float32Array | readonly number[];
  /** Random horizontal flip with probability 0.5, seeded per (seed, epoch). */
  flip?: boolean;
}

export interface ImageBatch {
  /** size * height * width * channels float32 values, NHWC. */
  x: Float32Array;
  labels: Int32Array;
  size: number;
  /** The examples of the data set in this batch, in batch order. */
  indices: Int32Array;
  /** With `flip`: 1 where the example was mirrored left-right, else 0 (batch order). */
  flipped?: Uint8Array;
}

/**
 * One epoch of float32 NHWC batches converted on the fly from the uint8 images, so a data set is
 * never held twice in float32. Options are checked when called, before the first batch is asked for.
 *
 * With `shuffle`, the order for (seed, epoch) is the same permutation `batches()` uses for a
 * data set of the same size. With `flip`, whether example i is mirrored this epoch is drawn once per
 * example (in data set order, from its own stream derived from (seed, epoch)), so it does not
 * depend on the batch size or the order.
 */
export function imageBatches(d: ImageDataset, o: ImageBatchOptions): Generator<ImageBatch, void, undefined> {
  assertImageDataset('dataset', d);
  const { epochSeed: base, order } = epochPlan(d.numExamples, o);
  const lut = conversionTable(d.channels, o.mean);
  const flips = o.flip ? drawFlips(d.numExamples, base) : undefined;
  return generate(d, order, o.batchSize, o.dropRemainder ?? false, lut, flips);
}

/**
 * lut[c * 256 + v] = fround(v / 255 - m[c]) with m = the mean as float32: the value of every input
 * byte, per channel, computed in float64 and rounded once to float32.
 */
function conversionTable(channels: number, mean: Float32Array | readonly number[] | undefined): Float32Array {
  if (mean !== undefined) {
    const ok = (mean instanceof Float32Array || Array.isArray(mean)) && mean.length === channels;
    if (!ok) throw new InvalidArgumentError('mean', mean, `${channels} per-channel values (one per image channel)`);
    for (let c = 0; c < channels; c++) assertFiniteNumber(`mean[${c}]`, mean[c]);
  }
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const m = mean === undefined ? 0 : Math.fround(mean[c]!);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = v / 255 - m;
  }
  return lut;
}

function* generate(
  d: ImageDataset,
  order: Int32Array,
  batchSize: number,
  dropRemainder: boolean,
  lut: Float32Array,
  flips: Uint8Array | undefined,
): Generator<ImageBatch, void, undefined> {
  const size = imageSize(d);
  const { width: w, channels: c } = d;
  const rows = d.height;
  const rowBytes = w * c;
  const images = d.images;
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, Math.min(start + batchSize, order.length));
    if (dropRemainder && indices.length < batchSize) return;
    const x = new Float32Array(indices.length * size);
    const labels = new Int32Array(indices.length);
    const flipped = flips ? new Uint8Array(indices.length) : undefined;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      labels[k] = d.labels[i]!;
      const src = i * size;
      const dst = k * size;
      if (flips && flips[i]) {
        flipped![k] = 1;
        for (let h = 0; h < rows; h++) {
          const rowSrc = src + h * rowBytes;
          const rowDst = dst + h * rowBytes;
          for (let col = 0; col < w; col++) {
            const from = rowSrc + (w - 1 - col) * c;
            const to = rowDst + col * c;
            for (let ch = 0; ch < c; ch++) x[to + ch] = lut[ch * 256 + images[from + ch]!]!;
          }
        }
      } else if (c === 1) {
        for (let j = 0; j < size; j++) x[dst + j] = lut[images[src + j]!]!;
      } else {
        for (let j = 0, ch = 0; j < size; j++) {
          x[dst + j] = lut[ch * 256 + images[src + j]!]!;
          if (++ch === c) ch = 0;
        }
      }
    }
    const batch: ImageBatch = { x, labels, size: indices.length, indices };
    if (flipped) batch.flipped = flipped;
    yield batch;
  }
}

/** One fair coin per example, from a stream keyed off the epoch seed but distinct from the shuffle's. */
function drawFlips(n: number, base: number): Uint8Array {
  const rng = new SeedStream(new SeedStream(base ^ 0x6a09e667).next());
  const flips = new Uint8Array(n);
  for (let i = 0; i < n; i++) flips[i] = rng.uniform() < 0.5 ? 1 : 0;
  return flips;
}

