import '@geoparam/core';
import './register';

export {
  ParameterizedLayer,
  ParameterizedDense,
  ParameterizedConv2D,
  GeometricDense,
  GeometricConv2D,
  WeightNormDense,
  WeightNormConv2D,
  type ParameterizedLayerArgs,
  type ParameterizedDenseArgs,
  type ParameterizedConv2DArgs,
  type Padding,
} from './parameterized-layer';
export {
  InputMeanNormalization,
  MeanOnlyBatchNormalization,
  type MeanNormalizationArgs,
  type MeanOnlyBatchNormalizationArgs,
} from './normalization';
export {
  geometricDense,
  geometricConv2d,
  weightNormDense,
  weightNormConv2d,
  meanOnlyBatchNormalization,
  inputMeanNormalization,
} from './factories';
export { geometric, weightNorm } from './wrappers';
export { UniformSphere, resolveInitializer, type InitializerIdentifier } from './initializers';
export { plainUnits, type PlainUnits } from './plain';
export {
  reparameterizeLayersModel,
  bakeLayersModel,
  reluUnitAt,
  chainOf,
  unitAffine,
  isReluLayer,
  type LayersTarget,
  type ReluUnit,
  type UnitAffine,
} from './convert';
export {
  layersModelBoundaries,
  layersModelSnapshots,
  CabCallback,
  cabCallback,
  type LayerBoundary,
  type CabStability,
  type CabCallbackOptions,
} from './cab';
export { toLayersModel } from './from-model';
