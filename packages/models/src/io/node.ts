import type { Model } from '../model';
import { fileHandler } from './file-handler';
import type { ModelTarget } from './handlers';
import { loadModelWith, readSavedModelWith, saveModelWith, type LoadOptions, type LoadedModel, type SavedModel, type SavedModelInfo } from './model-io';

/**
 * Saves a model as TF.js artifacts — `model.json` (topology, weightsManifest, integrity record)
 * plus weight shards — to a directory path, a `file://` URL, any URL a tf.io router serves
 * (`indexeddb://`, `localstorage://`, `downloads://`, `http(s)://`) or an `IOHandler`.
 * Files are written atomically. `metadata` lands in `userDefinedMetadata.geoparamMetadata`.
 */
export function saveModel(model: Model, target: ModelTarget, metadata?: Record<string, unknown>): Promise<SavedModelInfo> {
  return saveModelWith(model, target, metadata, fileHandler);
}

/**
 * Reads a saved model's config and weights (caller disposes them) after verifying every shard and
 * the manifest against their recorded sha256; a geoparam format-v1 directory loads with a warning.
 */
export function readSavedModel(target: ModelTarget, options: LoadOptions = {}): Promise<SavedModel> {
  return readSavedModelWith(target, options, fileHandler);
}

/** Rebuilds a model written by `saveModel`, bit for bit; anything corrupt or altered is refused with a typed error. */
export function loadModel(target: ModelTarget, options: LoadOptions = {}): Promise<LoadedModel> {
  return loadModelWith(target, options, fileHandler);
}
