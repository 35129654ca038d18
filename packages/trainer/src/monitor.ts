import { InvalidArgumentError } from '@geoparam/core';
import { UnknownMonitorKeyError } from './errors';
import { knownDirection, metricDirection } from './metric-directions';

export type MonitorMode = 'min' | 'max' | 'auto';

/**
 * Whether a monitored quantity improved, Keras-style (`auto`: the metric-direction registry
 * decides). A key the registry does not know is settled at the first read: a key no epoch logs is
 * reported as such (with the keys that exist), a logged one of unknown direction asks for `mode`.
 */
export class Monitor {
  private direction: 'min' | 'max' | undefined;

  /** `who` names the monitor's owner in errors (e.g. `EarlyStopping`). */
  constructor(
    readonly key: string,
    mode: MonitorMode = 'auto',
    readonly minDelta = 0,
    readonly who = 'monitor',
  ) {
    if (mode !== 'min' && mode !== 'max' && mode !== 'auto') throw new InvalidArgumentError('mode', mode, '"min", "max" or "auto"');
    if (!(minDelta >= 0)) throw new InvalidArgumentError('minDelta', minDelta, 'a non-negative number');
    this.direction = mode === 'auto' ? knownDirection(key) : mode;
  }

  get mode(): 'min' | 'max' {
    this.direction ??= metricDirection(this.key);
    return this.direction;
  }

  get worst(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  improved(current: number, best: number): boolean {
    if (!Number.isFinite(current)) return false;
    return this.mode === 'min' ? current < best - this.minDelta : current > best + this.minDelta;
  }

  /** The monitored value of an epoch's logs; a key the logs lack is an error, not a monitor that never fires. */
  read(logs: Record<string, number>): number {
    const value = logs[this.key];
    if (value === undefined) throw new UnknownMonitorKeyError(this.key, Object.keys(logs), this.who);
    void this.mode;
    return value;
  }
}
