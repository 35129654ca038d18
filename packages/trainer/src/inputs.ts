import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '@geoparam/core';
import { epochPlan, type Dataset } from '@geoparam/datasets';
import { UnsizedDataError } from './errors';
import { batchTensors, isBatchSource, tabularSource, type BatchOrder, type BatchSource } from './source';

/** Inputs and targets as tensors, Keras' `fit(x, y)`: the first axis indexes examples. */
export interface TensorData {
  x: tf.Tensor;
  y: tf.Tensor;
}

/**
 * What `fit` and `evaluate` read from a `tf.data.Dataset` of `{ xs, ys }` batches: recognised by
 * shape, so `@tensorflow/tfjs-data` stays optional. Its size is unknown (one epoch is one pass).
 */
export interface TfDatasetLike {
  /** A fresh pass over the dataset. */
  iterator(): Promise<{
    /** The next element (`{ xs, ys }`), or `done`. */
    next(): Promise<IteratorResult<unknown>>;
  }>;
}

/** Everything `fit`/`evaluate` take as data. */
export type DataInput = Dataset | BatchSource | TensorData | TfDatasetLike;

/** A batch as tensors, created for one step; the loop disposes them after it. */
export interface TensorBatch {
  x: tf.Tensor;
  y: tf.Tensor;
  size: number;
}

/** Data as the training loop walks it: a source of known size, or a stream (a tf.data dataset). */
export type ResolvedInput =
  | { kind: 'sized'; source: BatchSource; argument: string }
  | { kind: 'stream'; dataset: TfDatasetLike; argument: string };

function isTensorLike(value: unknown): value is tf.Tensor {
  const t = value as Partial<tf.Tensor> | null;
  return typeof t === 'object' && t !== null && Array.isArray(t.shape) && typeof t.dtype === 'string' && typeof t.data === 'function';
}

/** Whether `value` is `{ x, y }` tensors (any copy of tfjs-core). */
export function isTensorData(value: unknown): value is TensorData {
  const v = value as Partial<TensorData> | null;
  return typeof v === 'object' && v !== null && isTensorLike(v.x) && isTensorLike(v.y);
}

/** Whether `value` is a tf.data dataset, recognised by its methods. */
export function isTfDataset(value: unknown): value is TfDatasetLike {
  const v = value as { iterator?: unknown; forEachAsync?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.iterator === 'function' && typeof v.forEachAsync === 'function';
}

/** What a value is, for an error message: `Float32Array`, `object with keys [a, b]`, `number 3`. */
export function describeInput(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  const name = (value as object).constructor?.name;
  if (name && name !== 'Object') return `an instance of ${name}`;
  return `an object with keys [${Object.keys(value).join(', ')}]`;
}

function float32(values: tf.TypedArray | string[] | Uint8Array): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/** Host arrays of `n` examples as a batch source, shuffled exactly as a tabular `Dataset` is. */
function arraySource(x: Float32Array, y: Float32Array, n: number, inputShape: number[], targetShape: number[]): BatchSource {
  const inputs = inputShape.reduce((a, b) => a * b, 1);
  const targets = targetShape.reduce((a, b) => a * b, 1);
  return {
    numExamples: n,
    inputShape,
    targetShape,
    *batches(order: BatchOrder) {
      const { order: indices } = epochPlan(n, order);
      for (let start = 0; start < n; start += order.batchSize) {
        const rows = indices.subarray(start, Math.min(start + order.batchSize, n));
        const bx = new Float32Array(rows.length * inputs);
        const by = new Float32Array(rows.length * targets);
        rows.forEach((row, i) => {
          bx.set(x.subarray(row * inputs, (row + 1) * inputs), i * inputs);
          by.set(y.subarray(row * targets, (row + 1) * targets), i * targets);
        });
        yield { x: bx, y: by, size: rows.length };
      }
    },
  };
}

/** `{ x, y }` tensors as a batch source: read from the device once (asynchronously), batched on the host like any other set. */
async function tensorSource(data: TensorData, argument: string): Promise<BatchSource> {
  const { x, y } = data;
  if (x.rank < 2) throw new ShapeMismatchError(`${argument}.x`, [null, null], x.shape);
  const n = x.shape[0]!;
  if (y.shape[0] !== n) throw new ShapeMismatchError(`${argument}.y`, [n, ...y.shape.slice(1).map(() => null)], y.shape);
  if (n === 0) throw new InvalidArgumentError(`${argument}.x`, `shape [${x.shape}]`, 'at least one example');
  const targetShape = y.rank === 1 ? [1] : y.shape.slice(1);
  const [xv, yv] = await Promise.all([x.data(), y.data()]);
  return arraySource(float32(xv), float32(yv), n, x.shape.slice(1), targetShape);
}

/**
 * Any accepted data as the loop's input; anything else is an error naming what was passed.
 * Tensors are read once here (`await data()`), never during training.
 */
export async function resolveInput(data: unknown, argument: string): Promise<ResolvedInput> {
  if (isBatchSource(data)) return { kind: 'sized', source: checkedSource(data, argument), argument };
  if (isTensorData(data)) return { kind: 'sized', source: await tensorSource(data, argument), argument };
  if (isTfDataset(data)) return { kind: 'stream', dataset: data, argument };
  const d = data as Partial<Dataset> | null;
  if (typeof d === 'object' && d !== null && 'numExamples' in d && 'x' in d) return { kind: 'sized', source: checkedSource(tabularSource(d as Dataset, argument), argument), argument };
  throw new InvalidArgumentError(argument, describeInput(data), 'a Dataset, a BatchSource, { x: tf.Tensor, y: tf.Tensor } or a tf.data.Dataset of { xs, ys }');
}

function checkedSource(source: BatchSource, argument: string): BatchSource {
  if (!(source.numExamples > 0)) throw new InvalidArgumentError(`${argument}.numExamples`, source.numExamples, 'positive');
  return source;
}

/** The sized source of an input, or a typed error saying why a stream cannot do `request`. */
export function sizedSource(input: ResolvedInput, request: string): BatchSource {
  if (input.kind === 'stream') throw new UnsizedDataError(input.argument, request);
  return input.source;
}

function streamBatch(element: unknown, argument: string, index: number): TensorBatch {
  const e = element as { xs?: unknown; ys?: unknown } | null;
  if (typeof e !== 'object' || e === null || !isTensorLike(e.xs) || !isTensorLike(e.ys)) {
    tf.dispose(element as tf.TensorContainer);
    throw new InvalidArgumentError(`${argument} element ${index}`, describeInput(element), 'an object { xs: tf.Tensor, ys: tf.Tensor } (a batched tf.data dataset)');
  }
  const { xs, ys } = e;
  const size = xs.shape[0] ?? 0;
  if (xs.rank < 2 || ys.shape[0] !== size) {
    tf.dispose([xs, ys]);
    throw new ShapeMismatchError(`${argument} element ${index} ys`, [size, null], ys.shape);
  }
  // Targets as the losses take them: float32, one row per example.
  const y = tf.tidy(() => {
    const rows = ys.rank === 1 ? tf.reshape(ys, [size, 1]) : ys;
    return rows.dtype === 'float32' ? tf.clone(rows) : tf.cast(rows, 'float32');
  });
  ys.dispose();
  return { x: xs, y, size };
}

/**
 * One epoch of batches as tensors, each made just before its step; the caller disposes them.
 * `skip` batches of a sized source are passed over without touching the device (a resumed epoch).
 */
export async function* epochBatches(input: ResolvedInput, order: BatchOrder, skip = 0): AsyncGenerator<TensorBatch> {
  if (input.kind === 'sized') {
    let index = 0;
    for (const batch of input.source.batches(order)) {
      if (index++ < skip) continue;
      const { x, y } = batchTensors(input.source, batch);
      yield { x, y, size: batch.size };
    }
    return;
  }
  if (skip > 0) throw new UnsizedDataError(input.argument, 'resuming in the middle of an epoch');
  const iterator = await input.dataset.iterator();
  for (let index = 0; ; index++) {
    const next = await iterator.next();
    if (next.done) return;
    yield streamBatch(next.value, input.argument, index);
  }
}
