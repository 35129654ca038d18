import '@geoparam/core';

export * from './types';
export { denseGeometry, conv2dGeometry, glorotLimit } from './geometry';
export { hypersphericalToCartesian, cartesianToHyperspherical, type HypersphericalCoordinates } from './hyperspherical';
export { geometricAffine, geometricAffineReference, hasGeometricAffineKernels, type GeometricAffineParts } from './geometric-affine';
export { Standard, StandardMath } from './standard';
export { WeightNorm, WeightNormMath, weightNormKernel } from './weight-norm';
export { BatchNorm, BatchNormMath, type BatchNormOptions } from './batch-norm';
export { MeanOnlyBatchNorm, MeanOnlyBatchNormMath, type MeanOnlyBatchNormOptions } from './mean-only-batch-norm';
export { Geometric, GeometricMath, checkGeometricInit, uniformSphereKernel, type GeometricInit, type GeometricOptions } from './geometric';
export { BaseParameterization, boundaryOfWeights, glorotKernel, movingAverage, subtractMean, type InitOptions } from './base';
export { applyScale } from './scale';
export {
  METHODS,
  VARIANTS,
  ARCHITECTURES,
  methodFacts,
  methodLabel,
  resolveVariant,
  paperLearningRate,
  type Architecture,
  type MethodFacts,
  type VariantFacts,
  type SignedOutputScale,
} from './methods';
export {
  PARAMETERIZATION_NAMES,
  createParameterization,
  createParameterizationMath,
  resolveParameterizationName,
  type ParameterizationOptions,
} from './registry';
export {
  ParameterizedLayer,
  Dense,
  Conv2D,
  dense,
  conv2d,
  type Activation,
  type ApplyOptions,
  type PlainWeights,
  type DenseOptions,
  type Conv2DOptions,
  type Padding,
  type LayerConfig,
} from './layers';
export { standard, weightNorm, batchNorm, meanOnlyBatchNorm, geometric, removeParameterizations } from './wrappers';
export { InputMeanNormalization, inputMeanNormalization, type InputMeanNormalizationOptions } from './input-mean-normalization';
export { recalibrateStatistics, type RecalibrateOptions, type StatisticsForward } from './recalibrate';
