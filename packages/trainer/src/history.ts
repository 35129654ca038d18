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

/** The logs of the last completed epoch (what `onTrainEnd` receives); empty before any epoch. */
export function lastLogs(history: History): Logs {
  const logs: Logs = {};
  if (!history.history['loss']?.length) return logs;
  for (const [key, values] of Object.entries(history.history)) logs[key] = values[values.length - 1]!;
  return logs;
}

/** Why a run stopped on a non-finite loss, and which weights it went back to. */
export function nonFiniteLossMessage(loss: number, epoch: number, step: number, monitorKey: string, best: { value: number; epoch: number } | null): string {
  const restored = best ? `epoch ${best.epoch + 1} (${monitorKey} ${best.value.toPrecision(5)})` : 'the start of training';
  return `loss became ${loss} at epoch ${epoch + 1}, step ${step}; restored the weights of ${restored}`;
}

/** Lets timers and signals through. Node: after pending I/O (setImmediate); a browser has none, so a zero timeout. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
