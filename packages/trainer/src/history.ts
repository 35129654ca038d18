export type Logs = Record<string, number>;

export type StopReason = 'completed' | 'earlyStopping' | 'nonFinite' | 'interrupted' | 'callback';

export interface History {
  /** 0-based epochs that completed. */
  epoch: number[];
  /** Per key (`loss`, `val_loss`, `val_rmse`, `lr`, ...), one value per completed epoch. */
  history: Record<string, number[]>;
  stopReason: StopReason;
  message?: string;
  /** Optimizer steps taken in total. */
  steps: number;
}

export function emptyHistory(): History {
  return { epoch: [], history: {}, stopReason: 'completed', steps: 0 };
}

export function appendLogs(history: History, epoch: number, logs: Logs): void {
  history.epoch.push(epoch);
  for (const [key, value] of Object.entries(logs)) {
    (history.history[key] ??= []).push(value);
  }
}
