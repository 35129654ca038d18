import { InvalidArgumentError, ShapeMismatchError } from '@geoparam/core';
import { assertDataset, withNames, type Dataset } from './dataset';
import { DatasetError } from './errors';

export interface StandardizerJSON {
  featureMean: number[];
  featureStd: number[];
  targetMean?: number[];
  targetStd?: number[];
}

/**
 * z = (v - mean) / std per column, with statistics from the training set only (population std,
 * like Keras `Normalization` and the reference notebooks' `tf.math.reduce_std`).
 * A column whose std is below 1e-8 * max(1, |mean|) is treated as constant: its std is stored as 1,
 * so it maps to 0 instead of NaN (naval's T1 and P1 are constant in the original data).
 */
export class Standardizer {
  private constructor(
    readonly featureMean: Float32Array,
    readonly featureStd: Float32Array,
    readonly targetMean?: Float32Array,
    readonly targetStd?: Float32Array,
  ) {}

  /** Feature statistics always; target statistics too with `targets: true` (regression). */
  static fit(d: Dataset, o: { targets?: boolean } = {}): Standardizer {
    assertDataset('dataset', d);
    if (d.numExamples === 0) throw new InvalidArgumentError('dataset', 'an empty dataset', 'at least one example to fit on');
    const features = columnStats(d.x, d.numExamples, d.numFeatures);
    if (!o.targets) return new Standardizer(features.mean, features.std);
    const targets = columnStats(d.y, d.numExamples, d.numTargets);
    return new Standardizer(features.mean, features.std, targets.mean, targets.std);
  }

  static fromJSON(o: unknown): Standardizer {
    const json = (o ?? {}) as Partial<StandardizerJSON>;
    const featureMean = floatArray('featureMean', json.featureMean);
    const featureStd = floatArray('featureStd', json.featureStd, true);
    sameLength('featureStd', featureStd, featureMean);
    if (json.targetMean === undefined && json.targetStd === undefined) return new Standardizer(featureMean, featureStd);
    const targetMean = floatArray('targetMean', json.targetMean);
    const targetStd = floatArray('targetStd', json.targetStd, true);
    sameLength('targetStd', targetStd, targetMean);
    return new Standardizer(featureMean, featureStd, targetMean, targetStd);
  }

  /** A standardized copy: features always, targets when this standardizer has target statistics. */
  transform(d: Dataset): Dataset {
    assertDataset('dataset', d);
    if (d.numFeatures !== this.featureMean.length) {
      throw new ShapeMismatchError('dataset features', [null, this.featureMean.length], [d.numExamples, d.numFeatures]);
    }
    let y: Float32Array = Float32Array.from(d.y);
    if (this.targetMean && this.targetStd) {
      if (d.numTargets !== this.targetMean.length) {
        throw new ShapeMismatchError('dataset targets', [null, this.targetMean.length], [d.numExamples, d.numTargets]);
      }
      y = standardize(d.y, this.targetMean, this.targetStd);
    }
    const x = standardize(d.x, this.featureMean, this.featureStd);
    return withNames({ x, y, numExamples: d.numExamples, numFeatures: d.numFeatures, numTargets: d.numTargets }, d);
  }

  /** Maps standardized predictions (row-major, numTargets per row) back to target units. */
  inverseTransformTargets(y: Float32Array): Float32Array {
    if (!this.targetMean || !this.targetStd) {
      throw new DatasetError('this Standardizer has no target statistics: fit it with Standardizer.fit(train, { targets: true })');
    }
    const t = this.targetMean.length;
    if (y.length % t !== 0) throw new ShapeMismatchError('y', [null, t], [y.length]);
    const out = new Float32Array(y.length);
    for (let i = 0; i < y.length; i++) out[i] = y[i]! * this.targetStd[i % t]! + this.targetMean[i % t]!;
    return out;
  }

  toJSON(): StandardizerJSON {
    const json: StandardizerJSON = { featureMean: Array.from(this.featureMean), featureStd: Array.from(this.featureStd) };
    if (this.targetMean && this.targetStd) {
      json.targetMean = Array.from(this.targetMean);
      json.targetStd = Array.from(this.targetStd);
    }
    return json;
  }
}

/** Two-pass float64 mean and population std per column of a row-major matrix. */
function columnStats(values: Float32Array, rows: number, cols: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(cols);
  const sq = new Float64Array(cols);
  for (let i = 0; i < values.length; i++) mean[i % cols]! += values[i]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows;
  for (let i = 0; i < values.length; i++) {
    const dev = values[i]! - mean[i % cols]!;
    sq[i % cols]! += dev * dev;
  }
  const std = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    const s = Math.sqrt(sq[c]! / rows);
    // Rounding the mean to float32 makes a constant column subtract to exactly 0.
    std[c] = s === 0 || s < 1e-8 * Math.max(1, Math.abs(mean[c]!)) ? 1 : s;
  }
  return { mean: Float32Array.from(mean), std };
}

function standardize(values: Float32Array, mean: Float32Array, std: Float32Array): Float32Array {
  const cols = mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i]! - mean[i % cols]!) / std[i % cols]!;
  return out;
}

function floatArray(argument: string, value: unknown, positive = false): Float32Array {
  const ok =
    Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0));
  if (!ok) throw new InvalidArgumentError(argument, value, positive ? 'an array of positive finite numbers' : 'an array of finite numbers');
  return Float32Array.from(value as number[]);
}

function sameLength(argument: string, a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new ShapeMismatchError(argument, [b.length], [a.length]);
}
