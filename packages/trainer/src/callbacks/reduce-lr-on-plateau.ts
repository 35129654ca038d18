import { InvalidArgumentError, assertPositiveInteger } from '@geoparam/core';
import { Callback, type CallbackState } from '../callback';
import type { Logs } from '../history';
import { Monitor, type MonitorMode } from '../monitor';

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  /** New rate = rate * factor (the paper: 0.1). */
  factor?: number;
  patience: number;
  mode?: MonitorMode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

export class ReduceLROnPlateau extends Callback {
  private readonly monitor: Monitor;
  private readonly factor: number;
  private readonly patience: number;
  private readonly cooldown: number;
  private readonly minLr: number;
  /** null until the first epoch: the monitor's direction may only be known then. */
  private best: number | null = null;
  private wait = 0;
  private cooldownLeft = 0;
  readonly reductions: { epoch: number; learningRate: number }[] = [];

  constructor(options: ReduceLROnPlateauOptions) {
    super();
    assertPositiveInteger('patience', options.patience);
    this.factor = options.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) throw new InvalidArgumentError('factor', this.factor, 'in (0, 1)');
    this.monitor = new Monitor(options.monitor ?? 'val_loss', options.mode, options.minDelta ?? 1e-4, 'ReduceLROnPlateau');
    this.patience = options.patience;
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const current = this.monitor.read(logs);
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (this.monitor.improved(current, this.best ?? this.monitor.worst)) {
      this.best = current;
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return;
    this.wait++;
    if (this.wait >= this.patience) {
      const old = this.context.learningRate;
      const next = Math.max(old * this.factor, this.minLr);
      if (next < old) {
        this.context.learningRate = next;
        this.reductions.push({ epoch, learningRate: next });
      }
      this.cooldownLeft = this.cooldown;
      this.wait = 0;
    }
  }

  override getState(): CallbackState {
    return { json: { best: this.best, wait: this.wait, cooldownLeft: this.cooldownLeft, reductions: this.reductions } };
  }

  override setState(state: CallbackState): void {
    const json = state.json as { best: number | null; wait: number; cooldownLeft: number; reductions: { epoch: number; learningRate: number }[] };
    this.best = json.best;
    this.wait = json.wait;
    this.cooldownLeft = json.cooldownLeft;
    this.reductions.splice(0, this.reductions.length, ...json.reductions);
  }
}
