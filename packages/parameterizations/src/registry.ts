import { UnknownNameError } from '@geoparam/core';
import { BatchNorm, type BatchNormOptions } from './batch-norm';
import { Geometric, type GeometricOptions } from './geometric';
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

/** Short names people type on a command line. */
const aliases: Record<string, ParameterizationName> = {
  sp: 'standard',
  wn: 'weightNorm',
  bn: 'batchNorm',
  mbn: 'meanOnlyBatchNorm',
  'wn+mbn': 'meanOnlyBatchNorm',
  gmp: 'geometric',
};

export function resolveParameterizationName(name: string): ParameterizationName {
  if ((PARAMETERIZATION_NAMES as string[]).includes(name)) return name as ParameterizationName;
  const alias = aliases[name.toLowerCase()];
  if (alias) return alias;
  throw new UnknownNameError('parameterization', name, [...PARAMETERIZATION_NAMES, ...Object.keys(aliases)]);
}

export function createParameterization(
  name: ParameterizationName | string,
  geometry: LayerGeometry,
  options: ParameterizationOptions = {},
): Parameterization {
  return factories[resolveParameterizationName(name)](geometry, options);
}
