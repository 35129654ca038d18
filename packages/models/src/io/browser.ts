import type { Model } from '../model';
import type { ModelTarget } from './handlers';
import { loadModelWith, readSavedModelWith, saveModelWith, type LoadOptions, type LoadedModel, type SavedModel, type SavedModelInfo } from './model-io';

/**
 * Saves a model as TF.js artifacts (`model.json` with topology, weightsManifest and an integrity
 * record, plus weight shards) to any URL a tf.io router serves (`indexeddb://`,
 * `localstorage://`, `downloads://`, `http(s)://`) or an `IOHandler`.
 */
export function saveModel(model: Model, target: ModelTarget, metadata?: Record<string, unknown>): Promise<SavedModelInfo> {
  return saveModelWith(model, target, metadata);
}

/** Reads a saved model's config and weights (caller disposes them) after verifying their sha256. */
export function readSavedModel(target: ModelTarget, options: LoadOptions = {}): Promise<SavedModel> {
  return readSavedModelWith(target, options);
}

/** Rebuilds a model written by `saveModel`; anything corrupt or altered is refused with a typed error. */
export function loadModel(target: ModelTarget, options: LoadOptions = {}): Promise<LoadedModel> {
  return loadModelWith(target, options);
}
