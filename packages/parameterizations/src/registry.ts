import { BatchNorm, type BatchNormOptions } from './batch-norm';
import { Geometric, type GeometricOptions } from './geometric';
import { methodFacts } from './methods';
import { MeanOnlyBatchNorm, type MeanOnlyBatchNormOptions } from './mean-only-batch-norm';
import { Standard } from './standard';
import { WeightNorm } from './weight-norm';
import type { InitOptions } from './base';
import type { LayerGeometry, Parameterization, ParameterizationName } from './types';

export type ParameterizationOptions = InitOptions & BatchNormOptions & MeanOnlyBatchNormOptions & GeometricOptions;

const factories: Record<ParameterizationName, (geometry: LayerGeometry, options: ParameterizationOptions) => Parameterization> = {
  standard: (g, o) => new Standard(g, o),
  weightNorm: (g, o) => new WeightNorm(g, o),
  batchNorm: (g, o) => new BatchNorm(g, o),
  meanOnlyBatchNorm: (g, o) => new MeanOnlyBatchNorm(g, o),
  geometric: (g, o) => new Geometric(g, o),
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
