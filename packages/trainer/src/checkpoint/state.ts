// A training checkpoint's contents (serialization, integrity and fingerprint checks), written to
// and read from a `TrainingStateStore`. Browser-safe: where the files live is the store's business
// (a directory in Node, `./directory`).
import * as tf from '@tensorflow/tfjs-core';
import { assertSameFingerprint, fingerprintFrom, sha256Hex, type Fingerprint } from '@geoparam/core';
import { CheckpointError, packTensors, readSavedModel, saveModel, unpackTensors, type Model, type ModelTarget, type WeightEntry } from '@geoparam/models';
import type { Callback } from '../callback';
import type { History } from '../history';

export const TRAINING_STATE_FORMAT = 'geoparam-training-state';

/**
 * Where a checkpoint's files live: `training.json`, the tensor files it names, and the model
 * (saved through `@geoparam/models`' `saveModel`). A store names things for messages and writes
 * each file whole or not at all; the checks on what it reads back are done here.
 */
export interface TrainingStateStore {
  /** The checkpoint as a user names it (its directory), for messages. */
  readonly location: string;
  /** A file of the checkpoint as a user would find it, for messages. */
  describe(name: string): string;
  /** Replaces file `name` atomically: a reader sees the old file or the new one, never a part. */
  write(name: string, data: string | Uint8Array): Promise<void>;
  /** File `name`'s bytes; rejects when it cannot be read (an error's `code`, such as ENOENT, is reported). */
  read(name: string): Promise<Uint8Array>;
  /** Where the model goes: `target` for `saveModel`/`readSavedModel`, whose manifest is then file `manifest` of the store. */
  readonly model: { target: ModelTarget; manifest: string };
}

interface TensorFile {
  file: string;
  sha256: string;
  entries: WeightEntry[];
}

export interface TrainingState {
  format: typeof TRAINING_STATE_FORMAT;
  version: 1;
  /** Epoch to continue, and how many of its batches are already done. */
  epoch: number;
  batchInEpoch: number;
  step: number;
  epochLossSum: number;
  epochCount: number;
  /** `null` when the run's optimizer exposes no learning rate. */
  learningRate: number | null;
  history: History;
  best: { value: number; epoch: number } | null;
  /**
   * sha256 of the model.json this state belongs to (it pins the weight shards by their hashes):
   * the files of a checkpoint are written one by one, so a kill between them leaves a set that
   * must be refused, not resumed.
   */
  model: { manifestSha256: string };
  optimizer: TensorFile;
  bestWeights: TensorFile | null;
  callbacks: ({ json: unknown; tensors: TensorFile | null } | null)[];
  /** What the run's result depends on (`FitOptions.fingerprint`), when the run gave one. */
  fingerprint?: Fingerprint;
}

const STATE_FILE = 'training.json';

async function writeTensors(store: TrainingStateStore, file: string, tensors: Record<string, tf.Tensor>): Promise<TensorFile> {
  const { entries, bytes } = await packTensors(tensors);
  await store.write(file, bytes);
  return { file, sha256: sha256Hex(bytes), entries };
}

async function readOrMissing(store: TrainingStateStore, name: string): Promise<Uint8Array> {
  return store.read(name).catch(() => {
    throw new CheckpointError(store.describe(name), 'is missing');
  });
}

async function readTensors(store: TrainingStateStore, info: TensorFile): Promise<Record<string, tf.Tensor>> {
  const file = store.describe(info.file);
  const bytes = await readOrMissing(store, info.file);
  const actual = sha256Hex(bytes);
  if (actual !== info.sha256) throw new CheckpointError(file, `checksum mismatch: expected ${info.sha256}, got ${actual}`);
  return unpackTensors(info.entries, bytes, file);
}

export interface SaveStateInput {
  model: Model;
  optimizer: tf.Optimizer;
  callbacks: Callback[];
  bestWeights: Record<string, tf.Tensor> | null;
  state: Omit<TrainingState, 'format' | 'version' | 'model' | 'optimizer' | 'bestWeights' | 'callbacks' | 'fingerprint'>;
  fingerprint?: Fingerprint;
}

/** Writes everything a run needs to continue: model, optimizer slots, best weights, callback state. */
export async function writeTrainingState(store: TrainingStateStore, input: SaveStateInput): Promise<void> {
  await saveModel(input.model, store.model.target);
  const model = { manifestSha256: sha256Hex(await store.read(store.model.manifest)) };
  const optimizerWeights = await input.optimizer.getWeights();
  const optimizer = await writeTensors(store, 'optimizer.bin', Object.fromEntries(optimizerWeights.map((w, i) => [`${i}:${w.name}`, w.tensor])));
  // getWeights hands out a fresh scalar for the iteration count; the slots are the optimizer's own.
  optimizerWeights.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  const bestWeights = input.bestWeights ? await writeTensors(store, 'best.bin', input.bestWeights) : null;
  const callbacks: TrainingState['callbacks'] = [];
  for (const [i, callback] of input.callbacks.entries()) {
    const state = callback.getState?.();
    if (!state) {
      callbacks.push(null);
      continue;
    }
    const tensors = state.tensors && Object.keys(state.tensors).length ? await writeTensors(store, `callback-${i}.bin`, state.tensors) : null;
    callbacks.push({ json: state.json, tensors });
  }
  const full: TrainingState = {
    format: TRAINING_STATE_FORMAT,
    version: 1,
    ...input.state,
    model,
    optimizer,
    bestWeights,
    callbacks,
    ...(input.fingerprint ? { fingerprint: { hash: input.fingerprint.hash, fields: input.fingerprint.fields } } : {}),
  };
  // Written last, so it only ever names files that are whole. Compact: callback state (e.g. every
  // CAB record so far) can be large.
  await store.write(STATE_FILE, JSON.stringify(full) + '\n');
}

export interface RestoredState {
  state: TrainingState;
  bestWeights: Record<string, tf.Tensor> | null;
}

/** Loads a checkpoint into an existing model, optimizer and callbacks, verifying every file. */
export async function readTrainingState(store: TrainingStateStore, model: Model, optimizer: tf.Optimizer, callbacks: Callback[], fingerprint?: Fingerprint): Promise<RestoredState> {
  const stateFile = store.describe(STATE_FILE);
  let state: TrainingState;
  try {
    state = JSON.parse(new TextDecoder().decode(await store.read(STATE_FILE))) as TrainingState;
  } catch (error) {
    throw new CheckpointError(stateFile, `cannot be read as JSON (${(error as { code?: string }).code ?? 'parse error'})`);
  }
  if (state.format !== TRAINING_STATE_FORMAT || state.version !== 1) throw new CheckpointError(stateFile, `is not a ${TRAINING_STATE_FORMAT} v1 file`);
  const { location } = store;
  if (fingerprint) assertSameFingerprint(fingerprintFrom(state.fingerprint), fingerprint, `checkpoint ${location}`, `delete ${location} or drop resumeFrom to start over`);
  // The model files must be the ones this state was written with (a kill between them and
  // training.json leaves a newer model.json beside an older state).
  const manifestFile = store.describe(store.model.manifest);
  const manifestBytes = await readOrMissing(store, store.model.manifest);
  if (!state.model || sha256Hex(manifestBytes) !== state.model.manifestSha256) {
    throw new CheckpointError(manifestFile, `does not belong to ${stateFile} (the checkpoint was cut off while being written); delete ${location} to start this part over`);
  }
  if (state.callbacks.length !== callbacks.length) {
    throw new CheckpointError(stateFile, `holds ${state.callbacks.length} callback states but the run has ${callbacks.length} callbacks`);
  }
  const { config, weights } = await readSavedModel(store.model.target);
  try {
    if (JSON.stringify(config.layers) !== JSON.stringify(model.getConfig().layers)) {
      throw new CheckpointError(manifestFile, 'was written for a different model architecture');
    }
    model.setWeights(weights);
  } finally {
    tf.dispose(Object.values(weights));
  }
  const slots = await readTensors(store, state.optimizer);
  // tfjs optimizers restore their slots by position; the stored order is the order they gave.
  const ordered = Object.entries(slots)
    .sort(([a], [b]) => Number(a.split(':')[0]) - Number(b.split(':')[0]))
    .map(([key, tensor]) => ({ name: key.slice(key.indexOf(':') + 1), tensor }));
  await optimizer.setWeights(ordered);
  tf.dispose(ordered.map((w) => w.tensor));
  for (const [i, callback] of callbacks.entries()) {
    const saved = state.callbacks[i];
    if (!saved || !callback.setState) continue;
    const tensors = saved.tensors ? await readTensors(store, saved.tensors) : undefined;
    callback.setState({ json: saved.json, ...(tensors ? { tensors } : {}) });
  }
  const bestWeights = state.bestWeights ? await readTensors(store, state.bestWeights) : null;
  return { state, bestWeights };
}
