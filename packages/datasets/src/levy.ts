import { InvalidArgumentError, SeedStream, assertFiniteNumber, assertPositiveInteger } from '@geoparam/core';
import type { Dataset } from './dataset';
import { assertDataDraw, type DataDraw } from './data-draw';
import { NumpyRandomState, assertNumpySeed } from './numpy-random';

/** The 1-D Levy function: w = 1 + (x-1)/4, f = sin^2(pi w) + (w-1)^2 (1 + sin^2(2 pi w)). */
export function levyFunction(x: number): number {
  const w = 1 + (x - 1) / 4;
  return Math.sin(Math.PI * w) ** 2 + (w - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w) ** 2);
}

export interface LevyOptions {
  /** With `draw: 'reference'`, numpy's seed: an integer in [0, 2^32 - 1]. */
  seed?: number;
  /**
   * `reference`: the notebook's points, `np.random.seed(seed)`, `uniform(low, high, [n, 1])`, then
   * `normal(0, noiseStd, [n, 1])`; `own` (default): the project's SeedStream.
   */
  draw?: DataDraw;
  /** Training points, x ~ U(low, high) (default 50). */
  trainSize?: number;
  /** Std of the Gaussian noise added to the training targets only (default 0.1). */
  noiseStd?: number;
  low?: number;
  high?: number;
  /** Spacing of the noise-free test grid low, low+step, ..., high (default 0.1: 201 points). */
  testStep?: number;
}

/**
 * Figure 2's data. Reference notebook (`1d_levy/1d_levy.ipynb`, seed 0, float64):
 * `test_x = np.arange(-10.0, 10.1, 0.1)` (201 points, both ends included) with noise-free targets;
 * `train_x = np.random.uniform(-10, 10, [50, 1])`, then `eps = np.random.normal(0, 0.1, [50, 1])`
 * added to the training targets. Same construction here (x values first, then the noise), drawn
 * by numpy's generator with `draw: 'reference'` (the notebook's points: x bit-equal, targets equal
 * after rounding to float32) or by the project's SeedStream with `draw: 'own'`; values are float32.
 */
export function levy(o: LevyOptions = {}): { train: Dataset; test: Dataset } {
  const seed = o.seed ?? 0;
  const draw = o.draw ?? 'own';
  assertDataDraw('draw', draw);
  const trainSize = o.trainSize ?? 50;
  const noiseStd = o.noiseStd ?? 0.1;
  const low = o.low ?? -10;
  const high = o.high ?? 10;
  const testStep = o.testStep ?? 0.1;
  assertFiniteNumber('seed', seed);
  assertPositiveInteger('trainSize', trainSize);
  assertFiniteNumber('noiseStd', noiseStd);
  if (noiseStd < 0) throw new InvalidArgumentError('noiseStd', noiseStd, 'non-negative');
  assertFiniteNumber('low', low);
  assertFiniteNumber('high', high);
  if (!(high > low)) throw new InvalidArgumentError('high', high, `greater than low (${low})`);
  assertFiniteNumber('testStep', testStep);
  // The small slack keeps `high` on the grid despite rounding (as arange(low, high + step/2, step)).
  const testSize = Math.floor((high - low) / testStep + 1e-9) + 1;
  if (!(testStep > 0) || testSize > 1e7) {
    throw new InvalidArgumentError('testStep', testStep, `a positive step giving at most 1e7 grid points on [${low}, ${high}]`);
  }

  const { xs, noise } = draw === 'reference' ? referencePoints(seed, trainSize, low, high, noiseStd) : ownPoints(seed, trainSize, low, high, noiseStd);
  const trainX = new Float32Array(trainSize);
  const trainY = new Float32Array(trainSize);
  for (let i = 0; i < trainSize; i++) {
    trainX[i] = xs[i]!;
    trainY[i] = levyFunction(xs[i]!) + noise[i]!;
  }

  const testX = new Float32Array(testSize);
  const testY = new Float32Array(testSize);
  for (let i = 0; i < testSize; i++) {
    const x = low + i * testStep;
    testX[i] = x;
    testY[i] = levyFunction(x);
  }

  return { train: column(trainX, trainY), test: column(testX, testY) };
}

function referencePoints(seed: number, n: number, low: number, high: number, noiseStd: number) {
  assertNumpySeed('seed', seed);
  const rs = new NumpyRandomState(seed);
  const xs = rs.uniform(low, high, [n, 1]);
  return { xs, noise: rs.normal(0, noiseStd, [n, 1]) };
}

function ownPoints(seed: number, n: number, low: number, high: number, noiseStd: number) {
  const rng = new SeedStream(seed);
  const xs = Float64Array.from({ length: n }, () => low + (high - low) * rng.uniform());
  return { xs, noise: Float64Array.from({ length: n }, () => noiseStd * rng.normal()) };
}

function column(x: Float32Array, y: Float32Array): Dataset {
  return { x, y, numExamples: x.length, numFeatures: 1, numTargets: 1, featureNames: ['x'], targetNames: ['y'] };
}
