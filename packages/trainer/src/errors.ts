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
