export { Model, layerFromConfig, type Head, type ModelConfig, type ModelLayer, type ModelLayerConfig } from './model';
export { mlp, type MlpOptions } from './mlp';
export {
  CheckpointError,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  loadModel,
  saveModel,
  readManifest,
  readWeights,
  packTensors,
  unpackTensors,
  sha256Hex,
  type ModelManifest,
} from './io';
export { foldNegativeRadii, reparameterizeModel, toStandard, type ReparameterizeOptions } from './convert';
export { type Layer, type CompositeLayer, type ResidualConfig, isComposite } from './layers/layer';
export { MaxPool2D, GlobalAveragePool2D } from './layers/pooling';
export { ResidualBlock } from './layers/residual';
export { vgg6, resnet, type VisionOptions, type ResNetOptions, type ResNetDepth } from './vision';
