import { BatchNorm, BatchNormMath, type BatchNormOptions } from './batch-norm';
import { Geometric, GeometricMath, type GeometricOptions } from './geometric';
import { methodFacts } from './methods';
import { MeanOnlyBatchNorm, MeanOnlyBatchNormMath, type MeanOnlyBatchNormOptions } from './mean-only-batch-norm';
import { Standard, StandardMath } from './standard';
import { WeightNorm, WeightNormMath } from './weight-norm';
import type { InitOptions } from './base';
import type { LayerGeometry, Parameterization, ParameterizationMath, ParameterizationName } from './types';

export type ParameterizationOptions = InitOptions & BatchNormOptions & MeanOnlyBatchNormOptions & GeometricOptions;

const factories: Record<ParameterizationName, (geometry: LayerGeometry, options: ParameterizationOptions) => Parameterization> = {
  standard: (g, o) => new Standard(g, o),
  weightNorm: (g, o) => new WeightNorm(g, o),
  batchNorm: (g, o) => new BatchNorm(g, o),
  meanOnlyBatchNorm: (g, o) => new MeanOnlyBatchNorm(g, o),
  geometric: (g, o) => new Geometric(g, o),
};

const maths: Record<ParameterizationName, (geometry: LayerGeometry, options: ParameterizationOptions) => ParameterizationMath> = {
  standard: (g) => new StandardMath(g),
  weightNorm: (g) => new WeightNormMath(g),
  batchNorm: (g, o) => new BatchNormMath(g, o),
  meanOnlyBatchNorm: (g, o) => new MeanOnlyBatchNormMath(g, o),
  geometric: (g) => new GeometricMath(g),
};

export const PARAMETERIZATION_NAMES = Object.keys(factories) as ParameterizationName[];

/** A parameterization by name or alias (`gmp`, `wn+mbn`; see methods/). */
export function resolveParameterizationName(name: string): ParameterizationName {
  return methodFacts(name).name;
}

export function createParameterization(
  name: ParameterizationName | string,
  geometry: LayerGeometry,
  options: ParameterizationOptions = {},
): Parameterization {
  return factories[resolveParameterizationName(name)](geometry, options);
}

/** The pure math of a parameterization, for weights someone else owns (e.g. a tfjs-layers layer). */
export function createParameterizationMath(
  name: ParameterizationName | string,
  geometry: LayerGeometry,
  options: ParameterizationOptions = {},
): ParameterizationMath {
  return maths[resolveParameterizationName(name)](geometry, options);
}
