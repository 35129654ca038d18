import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@geoparam/models';
import type { Callback, TrainingContext, TrainingParams } from '../callback';
import { appendLogs, emptyHistory, lastLogs, nonFiniteLossMessage, type History, type Logs, type StopReason } from '../history';
import type { Monitor } from '../monitor';
import type { ReadLosses } from './pending-losses';

/** What the driving loop (`fit`, or one member of `fitStacked`) tells a run about itself. */
export interface RunSetup {
  /** The model as callbacks see it. */
  model: Model;
  callbacks: Callback[];
  monitor: Monitor;
  params: TrainingParams;
  optimizer(): tf.Optimizer;
  /** The learning rate, for callbacks (may throw when the optimizer has none). */
  getLearningRate(): number;
  setLearningRate(value: number): void;
  /** The learning rate for the epoch logs (`lr`), or undefined when there is none to read. */
  logLearningRate(): number | undefined;
  /** Called after each callback hook (a stack member copies changes made through its view back). */
  afterCallback?(): void;
}

/** A run's position and bookkeeping as a checkpoint stores it. */
export interface RunProgress {
  epoch: number;
  step: number;
  epochLossSum: number;
  epochCount: number;
  history: History;
  best: { value: number; epoch: number } | null;
}

/** What a run's callbacks see (`TrainingContext`), read live from the run. */
class RunContext implements TrainingContext {
  constructor(
    private readonly run: TrainingRun,
    private readonly setup: RunSetup,
  ) {}

  get model(): Model {
    return this.setup.model;
  }

  get optimizer(): tf.Optimizer {
    return this.setup.optimizer();
  }

  get params(): TrainingParams {
    return this.setup.params;
  }

  get history(): History {
    return this.run.history;
  }

  get epoch(): number {
    return this.run.epoch;
  }

  get step(): number {
    return this.run.steps;
  }

  get learningRate(): number {
    return this.setup.getLearningRate();
  }

  set learningRate(value: number) {
    this.setup.setLearningRate(value);
  }

  stop(reason: StopReason, message?: string): void {
    this.run.stop(reason, message);
  }
}

/**
 * One training run's state, the same for `fit` and for every member of `fitStacked`: epochs and
 * steps, the epoch's loss, the monitor and the best weights (the safety net a non-finite loss or
 * monitored value falls back to), stopping, callbacks and the finished History. The loops only
 * take steps and read losses; everything a run decides happens here.
 */
export class TrainingRun {
  history: History = emptyHistory();
  epoch = 0;
  steps = 0;
  /** Steps whose loss has been read from the device and counted. */
  private readSteps = 0;
  private lossSum = 0;
  private count = 0;
  best: { value: number; epoch: number } | null = null;
  bestWeights: Record<string, tf.Tensor> | null = null;
  private stopReason: StopReason | null = null;
  private stopMessage: string | undefined;
  /** The step whose loss was first non-finite: where the run really ended. */
  private divergedAt: number | null = null;
  readonly context: TrainingContext;

  constructor(private readonly setup: RunSetup) {
    this.context = new RunContext(this, setup);
    for (const callback of setup.callbacks) callback.setContext(this.context);
  }

  get callbacks(): Callback[] {
    return this.setup.callbacks;
  }

  get stopped(): boolean {
    return this.stopReason !== null;
  }

  /** Whether the run stopped for `reason` (a method: the loops ask again after awaiting). */
  stoppedBy(reason: StopReason): boolean {
    return this.stopReason === reason;
  }

  /** The first reason to stop wins (a callback's, an interrupt's). */
  stop(reason: StopReason, message?: string): void {
    this.stopReason ??= reason;
    this.stopMessage ??= message;
  }

  /** An interrupt ends the run whatever else asked in the same batch: it wrote (or skipped) the checkpoint. */
  interrupt(message: string): void {
    this.stopReason = 'interrupted';
    this.stopMessage = message;
  }

  private async each(hook: (callback: Callback) => unknown): Promise<void> {
    for (const callback of this.setup.callbacks) {
      await hook(callback);
      this.setup.afterCallback?.();
    }
  }

  async begin(): Promise<void> {
    // The run's starting point is the fallback if the very first epoch already diverges.
    this.bestWeights ??= this.setup.model.getWeights();
    await this.each((c) => c.onTrainBegin?.({}));
  }

  /** A resumed epoch already began (and summed its first batches) before the checkpoint. */
  async beginEpoch(resumed = false): Promise<void> {
    if (resumed) return;
    this.lossSum = 0;
    this.count = 0;
    await this.each((c) => c.onEpochBegin?.(this.epoch));
  }

  async beginBatch(batch: number): Promise<void> {
    await this.each((c) => c.onBatchBegin?.(batch));
  }

  tookStep(): void {
    this.steps++;
  }

  /** `loss` is there when this step's loss was read (every `readEvery` steps). */
  async endBatch(batch: number, size: number, loss: number | undefined): Promise<void> {
    const logs: Logs = loss === undefined ? { size } : { loss, size };
    await this.each((c) => c.onBatchEnd?.(batch, logs));
  }

  /**
   * Counts the losses of this run's pending steps (column `column` of what was read). On the
   * first non-finite one the run goes back to its best weights and stops; false then.
   */
  takeLosses(read: ReadLosses, column: number): boolean {
    for (let row = 0; row < read.sizes.length; row++) {
      const loss = read.values[row * read.width + column]!;
      const step = ++this.readSteps;
      if (!Number.isFinite(loss)) {
        this.diverge(loss, step);
        return false;
      }
      this.lossSum += loss * read.sizes[row]!;
      this.count += read.sizes[row]!;
    }
    return true;
  }

  private diverge(loss: number, step: number): void {
    this.restoreBest();
    this.divergedAt = step;
    // The loss diverged before anything that asked to stop since: that is why the run ended.
    this.stopReason = 'nonFinite';
    this.stopMessage = nonFiniteLossMessage(loss, this.epoch, step, this.setup.monitor.key, this.best);
  }

  restoreBest(): void {
    if (this.bestWeights) this.setup.model.setWeights(this.bestWeights);
  }

  /**
   * The end of an epoch: its logs (`loss`, `lr`, then `extra`: train metrics, validation), the
   * monitor (a key no log holds is an error; a non-finite value restores the best weights and
   * stops), best weights, then the callbacks.
   */
  async endEpoch(extra: Logs): Promise<void> {
    const logs: Logs = { loss: this.lossSum / Math.max(this.count, 1) };
    const lr = this.setup.logLearningRate();
    if (lr !== undefined) logs['lr'] = lr;
    Object.assign(logs, extra);
    appendLogs(this.history, this.epoch, logs);
    const { monitor } = this.setup;
    const watched = monitor.read(logs);
    if (!Number.isFinite(watched)) {
      this.restoreBest();
      this.stopReason = 'nonFinite';
      this.stopMessage = `${monitor.key} became ${watched} at epoch ${this.epoch + 1}; restored the best weights`;
      return;
    }
    if (monitor.improved(watched, this.best?.value ?? monitor.worst)) {
      this.best = { value: watched, epoch: this.epoch };
      tf.dispose(Object.values(this.bestWeights ?? {}));
      this.bestWeights = this.setup.model.getWeights();
    }
    await this.each((c) => c.onEpochEnd?.(this.epoch, logs));
    this.epoch++;
  }

  /** Closes the History and tells the callbacks. */
  async finish(): Promise<History> {
    this.history.steps = this.divergedAt ?? this.steps;
    this.history.stopReason = this.stopReason ?? 'completed';
    if (this.stopMessage) this.history.message = this.stopMessage;
    await this.each((c) => c.onTrainEnd?.(lastLogs(this.history)));
    return this.history;
  }

  progress(): RunProgress {
    return { epoch: this.epoch, step: this.steps, epochLossSum: this.lossSum, epochCount: this.count, history: this.history, best: this.best };
  }

  /** Continues from a checkpoint: every step before it has been read. */
  resume(progress: RunProgress, bestWeights: Record<string, tf.Tensor> | null): void {
    this.epoch = progress.epoch;
    this.steps = progress.step;
    this.readSteps = progress.step;
    this.lossSum = progress.epochLossSum;
    this.count = progress.epochCount;
    this.history = progress.history;
    this.history.stopReason = 'completed';
    delete this.history.message;
    this.best = progress.best;
    tf.dispose(Object.values(this.bestWeights ?? {}));
    this.bestWeights = bestWeights;
  }

  dispose(): void {
    tf.dispose(Object.values(this.bestWeights ?? {}));
    this.bestWeights = null;
    for (const callback of this.setup.callbacks) callback.dispose?.();
  }
}
