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
  private best: number;
  saved = 0;

  constructor(private readonly options: ModelCheckpointOptions) {
    super();
    this.monitor = new Monitor(options.monitor ?? 'val_loss', options.mode);
    this.best = this.monitor.worst;
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const current = this.monitor.read(logs);
    const bestOnly = this.options.saveBestOnly ?? true;
    if (bestOnly && (current === undefined || !this.monitor.improved(current, this.best))) return;
    if (current !== undefined && this.monitor.improved(current, this.best)) this.best = current;
    await saveModel(this.context.model, this.options.dir, { epoch: epoch + 1, logs });
    this.saved++;
  }

  override getState(): CallbackState {
    return { json: { best: this.best } };
  }

  override setState(state: CallbackState): void {
    this.best = (state.json as { best: number | null }).best ?? this.monitor.worst;
  }
}
