// Checkpoints in a directory (Node): `training.json`, tensor files and `model/` side by side,
// each file written atomically (`writeFileAtomic`: temp file, fsync, rename).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '@geoparam/core/node';
import type { Fingerprint } from '@geoparam/core';
import type { Model } from '@geoparam/models';
import type { Callback } from '../callback';
import { readTrainingState, writeTrainingState, type RestoredState, type SaveStateInput, type TrainingStateStore } from './state';

/** The store behind `checkpointDir` and `resumeFrom` in Node: the directory `dir`. */
export function directoryStore(dir: string): TrainingStateStore {
  return {
    location: dir,
    describe: (name) => path.join(dir, name),
    write: (name, data) => writeFileAtomic(path.join(dir, name), data),
    // A copy: the tensor readers want a buffer of their own, not a slice of Node's pool.
    read: async (name) => new Uint8Array(await fs.readFile(path.join(dir, name))),
    model: { target: path.join(dir, 'model'), manifest: path.join('model', 'model.json') },
  };
}

/** Writes everything a run needs to continue into `dir`: model, optimizer slots, best weights, callback state. */
export function saveTrainingState(dir: string, input: SaveStateInput): Promise<void> {
  return writeTrainingState(directoryStore(dir), input);
}

/** Loads the checkpoint in `dir` into an existing model, optimizer and callbacks, verifying every file. */
export function restoreTrainingState(dir: string, model: Model, optimizer: tf.Optimizer, callbacks: Callback[], fingerprint?: Fingerprint): Promise<RestoredState> {
  return readTrainingState(directoryStore(dir), model, optimizer, callbacks, fingerprint);
}
