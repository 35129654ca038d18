import type { Model } from '@geoparam/models';
import { NoFileSystemError } from './errors';
import { fitWith, type FitData, type FitOptions } from './fit';
import type { History } from './history';

/**
 * Trains `model` on `data` (Keras' `fit`): one optimizer step per batch, validation at the end of
 * every epoch, callbacks around each. A non-finite loss stops training and restores the best
 * weights seen; `signal` stops it after the current batch. The loop never reads the device
 * synchronously (see `readEvery`). A page has no directory for checkpoints: `checkpointDir` and
 * `resumeFrom` throw `NoFileSystemError` before any work.
 */
export function fit(model: Model, data: FitData, options: FitOptions): Promise<History> {
  return fitWith(
    (location, option) => {
      throw new NoFileSystemError(`options.${option}`, location);
    },
    model,
    data,
    options,
  );
}
