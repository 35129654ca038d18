import { GeoparamError } from '@geoparam/core';

/** A monitored key (`EarlyStopping({ monitor })`, `fit`'s `monitor`, ...) that the epoch's logs do not hold. */
export class UnknownMonitorKeyError extends GeoparamError {
  constructor(
    readonly key: string,
    readonly available: readonly string[],
    readonly who: string,
  ) {
    super('UNKNOWN_MONITOR_KEY', `${who} monitors ${JSON.stringify(key)}, which no epoch logs; the logs hold: ${available.join(', ') || '(nothing)'}`);
  }
}

/** A request that needs the number of examples (full-batch, mid-epoch resume) made with data of unknown size (a tf.data dataset). */
export class UnsizedDataError extends GeoparamError {
  constructor(
    readonly argument: string,
    readonly request: string,
  ) {
    super('UNSIZED_DATA', `${argument} is a tf.data dataset, whose size is unknown, so ${request} does not apply; use a Dataset, a BatchSource or { x, y } tensors instead`);
  }
}

/** An option that needs a file system (`checkpointDir`, `resumeFrom`) given to the browser entry's `fit`. */
export class NoFileSystemError extends GeoparamError {
  constructor(
    readonly option: string,
    readonly value: string,
  ) {
    super(
      'NO_FILE_SYSTEM',
      `${option} ${JSON.stringify(value)} names a directory, and this is @geoparam/trainer's browser entry, which has no file system: checkpoints are written and resumed in Node only; drop ${option} (a page stops a run with options.signal)`,
    );
  }
}
