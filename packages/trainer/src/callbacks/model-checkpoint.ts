import { saveModel } from '@geoparam/models';
import { Callback, type CallbackState } from '../callback';
import type { Logs } from '../history';
import { Monitor, type MonitorMode } from '../monitor';

export interface ModelCheckpointOptions {
  dir: string;
  monitor?: string;
  mode?: MonitorMode;
  /** Save only when the monitored value improves (default true). */
  saveBestOnly?: boolean;
}

/** Saves the model (`saveModel` format, checksummed) at the end of an epoch. */
export class ModelCheckpoint extends Callback {
  private readonly monitor: Monitor;
  /** null until the first epoch: the monitor's direction may only be known then. */
  private best: number | null = null;
  saved = 0;

  constructor(private readonly options: ModelCheckpointOptions) {
    super();
    this.monitor = new Monitor(options.monitor ?? 'val_loss', options.mode, 0, 'ModelCheckpoint');
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.options.saveBestOnly ?? true) {
      const current = this.monitor.read(logs);
      if (!this.monitor.improved(current, this.best ?? this.monitor.worst)) return;
      this.best = current;
    }
    await saveModel(this.context.model, this.options.dir, { epoch: epoch + 1, logs });
    this.saved++;
  }

  override getState(): CallbackState {
    return { json: { best: this.best } };
  }

  override setState(state: CallbackState): void {
    this.best = (state.json as { best: number | null }).best;
  }
}
