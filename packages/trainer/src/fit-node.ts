import type { Model } from '@geoparam/models';
import { directoryStore } from './checkpoint/directory';
import { fitWith, type FitData, type FitOptions } from './fit';
import type { History } from './history';

/**
 * Trains `model` on `data` (Keras' `fit`): one optimizer step per batch, validation at the end of
 * every epoch, callbacks around each. A non-finite loss stops training and restores the best
 * weights seen; an interrupt writes a checkpoint to `checkpointDir` that `resumeFrom` continues.
 * The loop never reads the device synchronously (see `readEvery`).
 */
export function fit(model: Model, data: FitData, options: FitOptions): Promise<History> {
  return fitWith(directoryStore, model, data, options);
}
