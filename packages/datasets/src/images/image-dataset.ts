import { InvalidArgumentError, assertFiniteNumber } from '@geoparam/core';
import { shuffledIndices } from '../splits';

/**
 * Images stored as uint8 (one byte per channel value), NHWC, labels as class indices.
 *
 * Host memory only, no tensors: a data set is kept once, as bytes, and converted to float32 one
 * batch at a time by `imageBatches`.
 */
export interface ImageDataset {
  /** numExamples * height * width * channels bytes; example i, row h, column w, channel c is at ((i*height + h)*width + w)*channels + c. */
  images: Uint8Array;
  /** numExamples class indices in [0, numClasses). */
  labels: Int32Array;
  numExamples: number;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames?: string[];
  /**
   * A left-right mirrored image shows the same class (photos: CIFAR-10, ImageNet), so random
   * horizontal flips are a valid augmentation. Not for digits or text (MNIST): a mirrored 2, 3, 7
   * is no digit. Unset means not known to be, and trainers then do not flip.
   */
  flipInvariant?: boolean;
}

/** Bytes per example (height * width * channels). */
export function imageSize(d: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return d.height * d.width * d.channels;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isDim = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Throws unless the arrays hold exactly numExamples images of the declared shape and every label is a class index. */
export function assertImageDataset(argument: string, d: ImageDataset): void {
  const shapeOk =
    d !== null &&
    typeof d === 'object' &&
    isCount(d.numExamples) &&
    isDim(d.height) &&
    isDim(d.width) &&
    isDim(d.channels) &&
    isDim(d.numClasses) &&
    d.images instanceof Uint8Array &&
    d.labels instanceof Int32Array &&
    d.images.length === d.numExamples * d.height * d.width * d.channels &&
    d.labels.length === d.numExamples &&
    (d.classNames === undefined || (Array.isArray(d.classNames) && d.classNames.length === d.numClasses)) &&
    (d.flipInvariant === undefined || typeof d.flipInvariant === 'boolean');
  if (!shapeOk) {
    throw new InvalidArgumentError(
      argument,
      `{numExamples: ${d?.numExamples}, height: ${d?.height}, width: ${d?.width}, channels: ${d?.channels}, numClasses: ${d?.numClasses}, ` +
        `images.length: ${d?.images?.length}, labels.length: ${d?.labels?.length}, classNames.length: ${d?.classNames?.length}}`,
      'an ImageDataset whose Uint8Array images hold numExamples*height*width*channels bytes, whose Int32Array labels hold numExamples ' +
        'values, and whose classNames (if any) name numClasses classes',
    );
  }
  for (let i = 0; i < d.labels.length; i++) {
    const label = d.labels[i]!;
    if (label < 0 || label >= d.numClasses) {
      throw new InvalidArgumentError(`${argument}.labels[${i}]`, label, `a class index in [0, ${d.numClasses})`);
    }
  }
}

export interface ImageArrays {
  /** NHWC bytes (a plain number array is copied into a Uint8Array; values must be integers in [0, 255]). */
  images: Uint8Array | ArrayLike<number>;
  labels: Int32Array | ArrayLike<number>;
  height: number;
  width: number;
  channels: number;
  /** Default: max label + 1 (at least 1). */
  numClasses?: number;
  classNames?: string[];
  /** Whether a mirrored image shows the same class (see ImageDataset.flipInvariant); default unset. */
  flipInvariant?: boolean;
}

/** An ImageDataset from NHWC bytes and labels (numExamples = labels.length); checks sizes and label range. */
export function imageDatasetFromArrays(a: ImageArrays): ImageDataset {
  let images: Uint8Array;
  if (a.images instanceof Uint8Array) {
    images = a.images;
  } else {
    images = new Uint8Array(a.images.length);
    for (let i = 0; i < a.images.length; i++) {
      const v = a.images[i]!;
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new InvalidArgumentError(`images[${i}]`, v, 'an integer in [0, 255]');
      images[i] = v;
    }
  }
  let labels: Int32Array;
  if (a.labels instanceof Int32Array) {
    labels = a.labels;
  } else {
    labels = new Int32Array(a.labels.length);
    for (let i = 0; i < a.labels.length; i++) {
      const v = a.labels[i]!;
      if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new InvalidArgumentError(`labels[${i}]`, v, 'a non-negative integer');
      labels[i] = v;
    }
  }
  let numClasses = a.numClasses;
  if (numClasses === undefined) {
    numClasses = a.classNames?.length ?? 1;
    for (let i = 0; i < labels.length; i++) numClasses = Math.max(numClasses, labels[i]! + 1);
  }
  const d: ImageDataset = {
    images,
    labels,
    numExamples: labels.length,
    height: a.height,
    width: a.width,
    channels: a.channels,
    numClasses,
  };
  if (a.classNames) d.classNames = [...a.classNames];
  if (a.flipInvariant !== undefined) d.flipInvariant = a.flipInvariant;
  assertImageDataset('arrays', d);
  return d;
}

/** The examples at `indices`, in that order (copies; repeats allowed). Class names are carried over. */
export function takeImages(d: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  assertImageDataset('dataset', d);
  const size = imageSize(d);
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= d.numExamples) {
      throw new InvalidArgumentError(`indices[${k}]`, i, `an integer in [0, ${d.numExamples})`);
    }
    images.set(d.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = d.labels[i]!;
  }
  return withShape(d, images, labels);
}

/** A data set with `d`'s image shape, classes, names and flip invariance, holding the given arrays. */
export function withShape(d: ImageDataset, images: Uint8Array, labels: Int32Array): ImageDataset {
  const out: ImageDataset = {
    images,
    labels,
    numExamples: labels.length,
    height: d.height,
    width: d.width,
    channels: d.channels,
    numClasses: d.numClasses,
  };
  if (d.classNames) out.classNames = [...d.classNames];
  if (d.flipInvariant !== undefined) out.flipInvariant = d.flipInvariant;
  return out;
}

/**
 * Seeded random split (same permutation rule as `trainTestSplit`): the test set has
 * round(n * testFraction) examples, both sets are shuffled, and neither may be empty.
 */
export function splitImages(d: ImageDataset, o: { testFraction: number; seed: number }): { train: ImageDataset; test: ImageDataset } {
  assertImageDataset('dataset', d);
  const { testFraction, seed } = o;
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) {
    throw new InvalidArgumentError('testFraction', testFraction, 'a number in (0, 1)');
  }
  assertFiniteNumber('seed', seed);
  const n = d.numExamples;
  const testSize = Math.round(n * testFraction);
  if (testSize < 1 || testSize > n - 1) {
    throw new InvalidArgumentError(
      'testFraction',
      testFraction,
      `a fraction that leaves both parts of ${n} examples non-empty (sizes would be test ${testSize}, train ${n - testSize})`,
    );
  }
  const order = shuffledIndices(n, seed);
  return { test: takeImages(d, order.subarray(0, testSize)), train: takeImages(d, order.subarray(testSize)) };
}

/**
 * Per-channel mean of images/255 over a set (fit on training data only), as float32: the sums
 * are exact integers in float64, so each value is sum / (count * 255) correctly rounded to float32.
 */
export function channelMeans(d: ImageDataset): Float32Array {
  assertImageDataset('dataset', d);
  const c = d.channels;
  // Sums of bytes stay exact in float64 far beyond any data set that fits in memory (255 * 2^40 < 2^53).
  const sums = new Float64Array(c);
  const images = d.images;
  if (c === 1) {
    let s = 0;
    for (let i = 0; i < images.length; i++) s += images[i]!;
    sums[0] = s;
  } else {
    for (let i = 0, ch = 0; i < images.length; i++) {
      sums[ch]! += images[i]!;
      if (++ch === c) ch = 0;
    }
  }
  const count = d.numExamples * d.height * d.width;
  if (count === 0) throw new InvalidArgumentError('dataset', 'an empty data set', 'at least one image');
  return Float32Array.from(sums, (s) => s / (count * 255));
}

/** Per-channel mean that the paper's ImageNet32 code subtracts after scaling to [0, 1] (RGB; `imagenet32/imagenet32.py`). */
export const IMAGENET32_MEAN_RGB: readonly number[] = Object.freeze([0.481098, 0.45747134, 0.40785483]);

/** Copies `count` channel-first images (C planes of H*W bytes each) into NHWC order. */
export function planarToInterleaved(
  src: Uint8Array,
  srcOffset: number,
  dst: Uint8Array,
  dstOffset: number,
  count: number,
  pixels: number,
  channels: number,
): void {
  const size = pixels * channels;
  for (let i = 0; i < count; i++) {
    const s = srcOffset + i * size;
    const t = dstOffset + i * size;
    for (let ch = 0; ch < channels; ch++) {
      const plane = s + ch * pixels;
      for (let p = 0, o = t + ch; p < pixels; p++, o += channels) dst[o] = src[plane + p]!;
    }
  }
}

/** One Uint8Array holding the parts in order (the parts themselves when there is only one). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function concatLabels(parts: Int32Array[]): Int32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
