import { InvalidArgumentError } from '@geoparam/core';
import { DatasetError } from './errors';

/** Host-side examples, row-major, always float32 (what tfjs tensors take without conversion). */
export interface Dataset {
  /** numExamples * numFeatures values; example i is x[i*numFeatures .. (i+1)*numFeatures). */
  x: Float32Array;
  /** numExamples * numTargets values. */
  y: Float32Array;
  numExamples: number;
  numFeatures: number;
  numTargets: number;
  featureNames?: string[];
  targetNames?: string[];
}

/** Throws unless the arrays hold exactly numExamples rows of the declared widths. */
export function assertDataset(argument: string, d: Dataset): void {
  const ok =
    Number.isInteger(d.numExamples) &&
    d.numExamples >= 0 &&
    Number.isInteger(d.numFeatures) &&
    d.numFeatures >= 0 &&
    Number.isInteger(d.numTargets) &&
    d.numTargets >= 0 &&
    d.x instanceof Float32Array &&
    d.y instanceof Float32Array &&
    d.x.length === d.numExamples * d.numFeatures &&
    d.y.length === d.numExamples * d.numTargets;
  if (!ok) {
    throw new InvalidArgumentError(
      argument,
      `{numExamples: ${d.numExamples}, numFeatures: ${d.numFeatures}, numTargets: ${d.numTargets}, x.length: ${d.x?.length}, y.length: ${d.y?.length}}`,
      'a Dataset whose Float32Array x and y hold numExamples rows of numFeatures and numTargets values',
    );
  }
}

/**
 * Throws a DatasetError naming the set (`what`), the example (1-based row) and the column of the
 * first NaN or Infinity, so bad data is stopped before training instead of surfacing as a NaN loss.
 */
export function assertFiniteDataset(what: string, d: Dataset): void {
  assertDataset(what, d);
  for (const [values, width, names, kind] of [
    [d.x, d.numFeatures, d.featureNames, 'feature'],
    [d.y, d.numTargets, d.targetNames, 'target'],
  ] as const) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) continue;
      const row = Math.floor(i / width);
      const col = i % width;
      throw new DatasetError(`${kind} value ${v} is not finite; fix or drop that example before training`, {
        file: what,
        row: row + 1,
        ...(names?.[col] !== undefined ? { column: names[col] } : {}),
        columnIndex: col + 1,
        value: String(v),
      });
    }
  }
}

/** The examples at `indices`, in that order (copies; repeats allowed). Names are carried over. */
export function take(d: Dataset, indices: ArrayLike<number>): Dataset {
  assertDataset('dataset', d);
  const { numFeatures: f, numTargets: t } = d;
  const x = new Float32Array(indices.length * f);
  const y = new Float32Array(indices.length * t);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= d.numExamples) {
      throw new InvalidArgumentError(`indices[${k}]`, i, `an integer in [0, ${d.numExamples})`);
    }
    x.set(d.x.subarray(i * f, (i + 1) * f), k * f);
    y.set(d.y.subarray(i * t, (i + 1) * t), k * t);
  }
  return withNames({ x, y, numExamples: indices.length, numFeatures: f, numTargets: t }, d);
}

/** Copies `from`'s column names (if any) onto `to`. */
export function withNames(to: Dataset, from: Dataset): Dataset {
  if (from.featureNames) to.featureNames = [...from.featureNames];
  if (from.targetNames) to.targetNames = [...from.targetNames];
  return to;
}
