import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, SeedStream, assertFiniteNumber, assertPositiveInteger } from '@geoparam/core';
import {
  createParameterization,
  denseGeometry,
  resolveParameterizationName,
  type ParameterizationName,
} from '@geoparam/parameterizations';
import { snapshotOf, type BoundarySnapshot } from './geometry';
import { snapshotStability } from './stability';

export interface PerturbationOptions {
  /** Seeds the draw of `w` and `b` (the paper: 1). */
  seed?: number;
  /** `w, b ~ scale * N(0, 1)` (the paper: 0.001, so |w| is comparable to the perturbation). */
  scale?: number;
  /** Input dimension of the unit (the paper: 2, so boundaries can be drawn). */
  inputDim?: number;
  /** Perturbation sizes added to every raw parameter (the paper: 1e-4 .. 1e-1). */
  deltas?: number[];
  /** Parameterizations to compare (the paper: SP, WN, GmP). */
  methods?: readonly (ParameterizationName | string)[];
}

export interface PerturbationResult {
  method: ParameterizationName;
  delta: number;
  before: BoundarySnapshot;
  after: BoundarySnapshot;
  /** Degrees the boundary's normal turned. */
  angleChange: number;
  /** Distance its location phi moved. */
  locationShift: number;
}

export interface PerturbationStudy {
  seed: number;
  scale: number;
  kernel: number[];
  bias: number;
  results: PerturbationResult[];
}

export const PAPER_DELTAS = [1e-4, 1e-3, 1e-2, 1e-1];

/** The parameterizations Figure 1 compares: SP, WN and GmP. */
export const PAPER_PERTURBATION_METHODS: readonly ParameterizationName[] = ['standard', 'weightNorm', 'geometric'];

/**
 * The Figure 1 study: one ReLU unit with tiny weights, expressed in each parameterization (same
 * function via `rightInverse`), then every raw trainable parameter is shifted by `delta`. Works for
 * any parameterization through the shared interface: SP moves `w, b`; WN moves `v, g, b`; GmP
 * moves `theta, lambda, r`. Asynchronous: the boundaries are read with `await data()`.
 */
export async function perturbationStudy(options: PerturbationOptions = {}): Promise<PerturbationStudy> {
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 0.001;
  const inputDim = options.inputDim ?? 2;
  const deltas = options.deltas ?? PAPER_DELTAS;
  const methods = (options.methods ?? PAPER_PERTURBATION_METHODS).map(resolveParameterizationName);
  assertFiniteNumber('seed', seed);
  assertPositiveInteger('inputDim', inputDim);
  if (!(scale > 0 && Number.isFinite(scale))) throw new InvalidArgumentError('scale', scale, 'a positive finite number');
  if (deltas.length === 0) throw new InvalidArgumentError('deltas', deltas, 'a non-empty list');
  deltas.forEach((d, i) => assertFiniteNumber(`deltas[${i}]`, d));
  if (methods.length === 0) throw new InvalidArgumentError('methods', methods, 'a non-empty list');

  const random = new SeedStream(seed);
  const kernelValues = Array.from({ length: inputDim }, () => scale * random.normal());
  const biasValue = scale * random.normal();
  const results: PerturbationResult[] = [];
  for (const method of methods) {
    const p = createParameterization(method, denseGeometry(inputDim, 1));
    let originals: tf.Tensor[] = [];
    try {
      tf.tidy(() => p.rightInverse(tf.tensor2d(kernelValues, [inputDim, 1]), tf.tensor1d([biasValue])));
      originals = p.trainableVariables.map((v) => tf.clone(v));
      const before = await snapshotOf(p);
      for (const delta of deltas) {
        tf.tidy(() => p.trainableVariables.forEach((v) => v.assign(tf.add(v, delta))));
        const after = await snapshotOf(p);
        const stability = snapshotStability(before, after);
        results.push({
          method,
          delta,
          before,
          after,
          angleChange: stability.maxAngleChange,
          locationShift: stability.maxLocationShift,
        });
        p.trainableVariables.forEach((v, i) => v.assign(originals[i]!));
      }
    } finally {
      tf.dispose(originals);
      p.dispose();
    }
  }
  return { seed, scale, kernel: kernelValues, bias: biasValue, results };
}
