import { SingleBar } from 'cli-progress';
import { Callback } from '../callback';
import type { Logs } from '../history';

export interface ProgressBarOptions {
  /** Defaults to stderr, so piped stdout stays clean. */
  stream?: NodeJS.WriteStream;
  /** Label in front of the bar (e.g. the method). */
  label?: string;
  /** Which logs to show (default: every key but `lr`). */
  keys?: string[];
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(2) : value.toFixed(4);
}

/** Epoch progress with ETA, latest logs and ms/step; silent when the stream is not a terminal. */
export class ProgressBar extends Callback {
  private bar: SingleBar | null = null;
  private readonly stream: NodeJS.WriteStream;
  private started = 0;
  private stepsAtStart = 0;

  constructor(private readonly options: ProgressBarOptions = {}) {
    super();
    this.stream = options.stream ?? process.stderr;
  }

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  override onTrainBegin(): void {
    if (!this.enabled) return;
    this.bar = new SingleBar({
      stream: this.stream,
      format: `${this.options.label ? `${this.options.label} ` : ''}{bar} {value}/{total} epochs | ETA {eta_formatted} | {logs} | {msPerStep} ms/step`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    });
    this.started = performance.now();
    this.stepsAtStart = this.context.step;
    this.bar.start(this.context.params.epochs, this.context.epoch, { logs: '', msPerStep: '-' });
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.bar) return;
    const keys = this.options.keys ?? Object.keys(logs).filter((k) => k !== 'lr');
    const steps = this.context.step - this.stepsAtStart;
    this.bar.update(epoch + 1, {
      logs: keys.map((k) => `${k} ${format(logs[k] ?? Number.NaN)}`).join(' '),
      msPerStep: steps > 0 ? ((performance.now() - this.started) / steps).toFixed(2) : '-',
    });
  }

  override onTrainEnd(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
