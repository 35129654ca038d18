import type * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@geoparam/models';
import type { History, Logs, StopReason } from './history';

export interface TrainingParams {
  epochs: number;
  batchSize: number;
  stepsPerEpoch: number;
  numExamples: number;
  /** The quantity fit tracks for its best-weights safety net (e.g. `val_loss`). */
  monitor: string;
  hasValidation: boolean;
}

/** What a callback can see and steer while `fit` runs. */
export interface TrainingContext {
  readonly model: Model;
  readonly optimizer: tf.Optimizer;
  readonly params: TrainingParams;
  readonly history: History;
  /** 0-based epoch in progress. */
  readonly epoch: number;
  /** Optimizer steps taken so far in this run, including before a resume. */
  readonly step: number;
  learningRate: number;
  /** Ends training after the current batch or epoch. */
  stop(reason: StopReason, message?: string): void;
}

export interface CallbackState {
  json: unknown;
  tensors?: Record<string, tf.Tensor>;
}

/**
 * Keras-shaped hooks. Any hook may return a promise; `fit` awaits it. A callback that keeps
 * state across epochs implements `getState`/`setState` so an interrupted run resumes exactly.
 */
export abstract class Callback {
  protected context!: TrainingContext;

  setContext(context: TrainingContext): void {
    this.context = context;
  }

  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  getState?(): CallbackState;
  setState?(state: CallbackState): void;
  /** Frees tensors the callback holds. */
  dispose?(): void;
}

/**
 * The run's shape as callbacks see it (Keras' `params`), from the fit options: one definition for
 * `fit` and `fitStacked`. `full` batches take the whole training set.
 */
export function trainingParams(options: { epochs: number; batchSize?: number | 'full'; monitor?: string }, numExamples: number, hasValidation: boolean): TrainingParams {
  const batchSize = options.batchSize === 'full' ? numExamples : Math.min(options.batchSize ?? 32, numExamples);
  return {
    epochs: options.epochs,
    batchSize,
    stepsPerEpoch: Math.ceil(numExamples / batchSize),
    numExamples,
    monitor: options.monitor ?? (hasValidation ? 'val_loss' : 'loss'),
    hasValidation,
  };
}
