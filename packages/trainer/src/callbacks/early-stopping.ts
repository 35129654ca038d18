import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInteger } from '@geoparam/core';
import { Callback, type CallbackState } from '../callback';
import type { Logs } from '../history';
import { Monitor, type MonitorMode } from '../monitor';

export interface EarlyStoppingOptions {
  monitor?: string;
  /** Epochs without improvement before stopping. */
  patience: number;
  mode?: MonitorMode;
  minDelta?: number;
  /** Put back the weights of the best epoch when stopping (and at the end of training). */
  restoreBestWeights?: boolean;
}

export class EarlyStopping extends Callback {
  private readonly monitor: Monitor;
  private readonly patience: number;
  private readonly restoreBestWeights: boolean;
  /** null until the first epoch: the monitor's direction may only be known then. */
  private best: number | null = null;
  private bestEpoch = -1;
  private wait = 0;
  private bestWeights: Record<string, tf.Tensor> | null = null;
  stoppedEpoch: number | null = null;

  constructor(options: EarlyStoppingOptions) {
    super();
    assertPositiveInteger('patience', options.patience);
    this.monitor = new Monitor(options.monitor ?? 'val_loss', options.mode, options.minDelta ?? 0, 'EarlyStopping');
    this.patience = options.patience;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const current = this.monitor.read(logs);
    if (this.monitor.improved(current, this.best ?? this.monitor.worst)) {
      this.best = current;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) {
        tf.dispose(Object.values(this.bestWeights ?? {}));
        this.bestWeights = this.context.model.getWeights();
      }
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.context.stop('earlyStopping', `no improvement of ${this.monitor.key} for ${this.patience} epochs; best ${(this.best ?? this.monitor.worst).toPrecision(5)} at epoch ${this.bestEpoch + 1}`);
    }
  }

  override onTrainEnd(): void {
    // Keras restores only when it stops early; restoring at the end as well means the model a
    // run returns is always its best one, which is what the paper's protocol evaluates.
    if (this.restoreBestWeights && this.bestWeights) this.context.model.setWeights(this.bestWeights);
  }

  get bestValue(): number {
    return this.best ?? this.monitor.worst;
  }

  override getState(): CallbackState {
    return {
      json: { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait },
      ...(this.bestWeights ? { tensors: this.bestWeights } : {}),
    };
  }

  override setState(state: CallbackState): void {
    const json = state.json as { best: number | null; bestEpoch: number; wait: number };
    this.best = json.best;
    this.bestEpoch = json.bestEpoch;
    this.wait = json.wait;
    tf.dispose(Object.values(this.bestWeights ?? {}));
    this.bestWeights = state.tensors ?? null;
  }

  override dispose(): void {
    tf.dispose(Object.values(this.bestWeights ?? {}));
    this.bestWeights = null;
  }
}
