// Saving and loading a geoparam `Model` as TF.js artifacts through any tf.io handler. Browser-safe:
// the Node entry adds files (plain paths, file://), the browser entry uses tf.io's URLs.
import * as tf from '@tensorflow/tfjs-core';
import { GeoparamError, buildId } from '@geoparam/core';
import { Model, layerFromConfig, type ModelConfig } from '../model';
import { CheckpointError, IntegrityError, WeightsMismatchError } from './errors';
import { describeTarget, resolveHandler, type LocalHandler, type ModelTarget } from './handlers';
import { INTEGRITY_KEY, verifyIntegrity, withIntegrityRecord } from './integrity';
import { assertLayerClassesRegistered, isLayersTopology } from './layer-classes';
import { METADATA_KEY, geoparamTopologySchema, parseOrThrow, type IntegrityRecord } from './schema';

/** `format` of the artifacts and of the topology of a geoparam `Model`. */
export const MODEL_FORMAT = 'geoparam-model';
/** Version 2: TF.js artifacts. Version 1 (one weights.bin, no manifest hash) still loads. */
export const MODEL_FORMAT_VERSION = 2;

/** What `saveModel` wrote. */
export interface SavedModelInfo {
  /** What was recorded in `userDefinedMetadata.geoparamIntegrity`. */
  integrity: IntegrityRecord;
  /** tf.io's summary (bytes of topology and weights). */
  modelArtifactsInfo: tf.io.ModelArtifactsInfo;
}

/** Options of `loadModel` and `readSavedModel`. */
export interface LoadOptions {
  /** Receives warnings (a legacy file without manifest hash); default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** A verified model file, read but not built: its config, weights and metadata. */
export interface SavedModel {
  config: ModelConfig;
  /** Every weight by `<layer index>/<name>`. Caller disposes. */
  weights: Record<string, tf.Tensor>;
  metadata?: Record<string, unknown>;
  /** Format version the file was written in (1: legacy, loaded with a warning). */
  version: 1 | 2;
  warnings: string[];
}

/** What `loadModel` returns: the rebuilt model beside the file's config, metadata, version and warnings. */
export interface LoadedModel extends Omit<SavedModel, 'weights'> {
  model: Model;
}

/** The artifacts of a model, with an integrity record. */
export async function modelArtifacts(model: Model, metadata?: Record<string, unknown>): Promise<tf.io.ModelArtifacts> {
  const weights = model.getWeights();
  try {
    const { data, specs } = await tf.io.encodeWeights(weights);
    return withIntegrityRecord({
      format: MODEL_FORMAT,
      generatedBy: buildId(),
      convertedBy: null,
      modelTopology: { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, config: model.getConfig() },
      weightSpecs: specs,
      weightData: data,
      ...(metadata ? { userDefinedMetadata: { [METADATA_KEY]: metadata as object } } : {}),
    });
  } finally {
    tf.dispose(Object.values(weights));
  }
}

export async function saveModelWith(model: Model, target: ModelTarget, metadata: Record<string, unknown> | undefined, local?: LocalHandler): Promise<SavedModelInfo> {
  const handler = resolveHandler(target, 'save', local);
  const artifacts = await modelArtifacts(model, metadata);
  const result = await handler.save!(artifacts);
  if (result.errors?.length) throw new CheckpointError(describeTarget(target), `could not be saved: ${result.errors.map(String).join('; ')}`);
  return { integrity: artifacts.userDefinedMetadata![INTEGRITY_KEY] as IntegrityRecord, modelArtifactsInfo: result.modelArtifactsInfo };
}

/** Verifies artifacts and reads a geoparam `Model`'s config and weights out of them. */
export function savedModelFromArtifacts(artifacts: tf.io.ModelArtifacts, source: string, options: LoadOptions = {}): SavedModel {
  const verified = verifyIntegrity(artifacts, source);
  assertLayerClassesRegistered(artifacts.modelTopology, source);
  if (isLayersTopology(artifacts.modelTopology)) {
    throw new CheckpointError(
      source,
      `holds a tfjs-layers model (${artifacts.modelTopology.class_name}), not a geoparam Model: load it with tf.loadLayersModel (wrap the URL in withIntegrity to verify it)`,
      'NOT_A_GEOPARAM_MODEL',
    );
  }
  const topology = parseOrThrow(geoparamTopologySchema, artifacts.modelTopology, source, 'modelTopology');
  const warnings: string[] = [];
  if (topology.version === 1) {
    warnings.push(`${source}: written in geoparam's format v1, which carries no manifest hash: its weights were checked, its model.json cannot be; save it again to add one`);
  } else if (!verified) {
    throw new IntegrityError(source, `carries no integrity record (userDefinedMetadata.${INTEGRITY_KEY}): a geoparam model file always has one, so it was altered`);
  }
  const onWarning = options.onWarning ?? ((message: string) => console.warn(message));
  warnings.forEach((w) => onWarning(w));
  let weights: tf.NamedTensorMap;
  try {
    weights = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), artifacts.weightSpecs ?? []);
  } catch (error) {
    throw new WeightsMismatchError(source, `weights do not decode with their manifest: ${(error as Error).message}`, error);
  }
  const metadata = artifacts.userDefinedMetadata?.[METADATA_KEY] as Record<string, unknown> | undefined;
  return {
    // The file's own values (validated above), in their own key order.
    config: (artifacts.modelTopology as { config: ModelConfig }).config,
    weights,
    ...(metadata ? { metadata } : {}),
    version: topology.version,
    warnings,
  };
}

export async function readSavedModelWith(target: ModelTarget, options: LoadOptions, local?: LocalHandler): Promise<SavedModel> {
  const artifacts = await resolveHandler(target, 'load', local).load!();
  return savedModelFromArtifacts(artifacts, describeTarget(target), options);
}

/** Builds the model a `SavedModel` describes; disposes its weights. */
export function modelFromSaved(saved: SavedModel, source: string): Model {
  try {
    let model: Model;
    try {
      model = new Model(saved.config.name, saved.config.layers.map(layerFromConfig), saved.config.head, saved.config.inputShape);
    } catch (error) {
      if (error instanceof GeoparamError) throw new CheckpointError(source, `holds a model config that cannot be built: ${error.message}`, 'MODEL_CONFIG', { cause: error });
      throw error;
    }
    try {
      model.setWeights(saved.weights);
    } catch (error) {
      model.dispose();
      if (error instanceof GeoparamError) throw new WeightsMismatchError(source, `weights do not fit the model: ${error.message}`, error);
      throw error;
    }
    return model;
  } finally {
    tf.dispose(Object.values(saved.weights));
  }
}

export async function loadModelWith(target: ModelTarget, options: LoadOptions, local?: LocalHandler): Promise<LoadedModel> {
  const { weights, ...saved } = await readSavedModelWith(target, options, local);
  return { model: modelFromSaved({ ...saved, weights }, describeTarget(target)), ...saved };
}
