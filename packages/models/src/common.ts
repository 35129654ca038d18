// Everything both entries export: the Node entry (index) adds files, the browser entry does not.
export { Model, layerFromConfig, type Head, type ModelConfig, type ModelLayer, type ModelLayerConfig } from './model';
export { mlp, type MlpOptions } from './mlp';
export { CheckpointError, IntegrityError, ModelFileSchemaError, UnregisteredClassError, WeightsMismatchError } from './io/errors';
export { MODEL_FORMAT, MODEL_FORMAT_VERSION, modelArtifacts, type LoadOptions, type LoadedModel, type SavedModel, type SavedModelInfo } from './io/model-io';
export { INTEGRITY_KEY, SHARD_BYTES, integrityRecord, verifyIntegrity, withIntegrity, withIntegrityRecord, type IntegrityOptions } from './io/integrity';
export { METADATA_KEY, type IntegrityRecord } from './io/schema';
export { GEOPARAM_LAYER_CLASS_NAMES, assertLayerClassesRegistered } from './io/layer-classes';
export { type ModelTarget } from './io/handlers';
export { packTensors, unpackTensors, type WeightEntry } from './io/legacy';
export { foldNegativeRadii, reparameterizeModel, toStandard, type ReparameterizeOptions } from './convert';
export { type Layer, type CompositeLayer, type ResidualConfig, isComposite } from './layers/layer';
export { MaxPool2D, GlobalAveragePool2D } from './layers/pooling';
export { ResidualBlock } from './layers/residual';
export { vgg6, resnet, type VisionOptions, type ResNetOptions, type ResNetDepth } from './vision';
export { ModelDisposedError } from './model';
export { assertModelFitsData, findNonFiniteWeight } from './checks';
