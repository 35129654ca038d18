import { InvalidArgumentError } from '@geoparam/core';

export type MonitorMode = 'min' | 'max' | 'auto';

/** Whether a monitored quantity improved, Keras-style (`auto`: accuracy goes up, the rest down). */
export class Monitor {
  readonly mode: 'min' | 'max';

  constructor(
    readonly key: string,
    mode: MonitorMode = 'auto',
    readonly minDelta = 0,
  ) {
    if (mode !== 'min' && mode !== 'max' && mode !== 'auto') throw new InvalidArgumentError('mode', mode, '"min", "max" or "auto"');
    if (!(minDelta >= 0)) throw new InvalidArgumentError('minDelta', minDelta, 'a non-negative number');
    this.mode = mode === 'auto' ? (/acc/.test(key) ? 'max' : 'min') : mode;
  }

  get worst(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  improved(current: number, best: number): boolean {
    if (!Number.isFinite(current)) return false;
    return this.mode === 'min' ? current < best - this.minDelta : current > best + this.minDelta;
  }

  read(logs: Record<string, number>): number | undefined {
    return logs[this.key];
  }
}
