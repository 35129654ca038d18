import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@geoparam/core';
import type { Model } from '@geoparam/models';
import type { History, Logs, StopReason } from './history';

export interface TrainingParams {
  epochs: number;
  /** `null` for a tf.data dataset, whose batches come made and whose size is unknown. */
  batchSize: number | null;
  stepsPerEpoch: number | null;
  numExamples: number | null;
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
export function trainingParams(options: { epochs: number; batchSize?: number | 'full'; monitor?: string }, numExamples: number | null, hasValidation: boolean): TrainingParams {
  const batchSize = numExamples === null ? null : options.batchSize === 'full' ? numExamples : Math.min(options.batchSize ?? 32, numExamples);
  return {
    epochs: options.epochs,
    batchSize,
    stepsPerEpoch: numExamples === null || batchSize === null ? null : Math.ceil(numExamples / batchSize),
    numExamples,
    monitor: options.monitor ?? (hasValidation ? 'val_loss' : 'loss'),
    hasValidation,
  };
}

/**
 * A tfjs-layers-style callback object: any subset of the hooks, as `model.fit` takes them
 * (`{ onEpochEnd: (epoch, logs) => ... }`). Hooks are called with the object as `this`.
 */
export interface CallbackHooks {
  /** Before the first epoch. */
  onTrainBegin?(logs?: Logs): unknown;
  /** After the last epoch, with its logs. */
  onTrainEnd?(logs?: Logs): unknown;
  /** Before each epoch (0-based). */
  onEpochBegin?(epoch: number, logs?: Logs): unknown;
  /** After each epoch, with its logs (`loss`, `lr`, `val_*`, ...). */
  onEpochEnd?(epoch: number, logs?: Logs): unknown;
  /** Before each batch (0-based within the epoch). */
  onBatchBegin?(batch: number, logs?: Logs): unknown;
  /** After each batch: `size`, and `loss` on the steps where the loss was read (`readEvery`). */
  onBatchEnd?(batch: number, logs?: Logs): unknown;
}

/** A geoparam `Callback` or a tfjs-style hooks object. */
export type CallbackLike = Callback | CallbackHooks;

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/** Forwards to a hooks object, awaiting whatever it returns. */
class HooksCallback extends Callback {
  constructor(hooks: CallbackHooks) {
    super();
    for (const name of HOOKS) {
      const hook = hooks[name] as ((...args: unknown[]) => unknown) | undefined;
      if (hook) (this as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => void (await hook.apply(hooks, args));
    }
  }
}

function isCallback(value: unknown): value is Callback {
  return value instanceof Callback || typeof (value as Partial<Callback> | null)?.setContext === 'function';
}

/** The run's callbacks as geoparam `Callback`s; anything that is neither kind is an error naming it. */
export function toCallbacks(list: readonly unknown[] | undefined, argument = 'callbacks'): Callback[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new InvalidArgumentError(argument, String(list), 'an array of callbacks');
  return list.map((value, i) => {
    if (isCallback(value)) return value;
    const hooks = value as Record<string, unknown> | null;
    if (typeof hooks === 'object' && hooks !== null) {
      const present = HOOKS.filter((name) => hooks[name] !== undefined);
      const notFunctions = present.filter((name) => typeof hooks[name] !== 'function');
      if (present.length > 0 && notFunctions.length === 0) return new HooksCallback(hooks as CallbackHooks);
      if (notFunctions.length > 0) throw new InvalidArgumentError(`${argument}[${i}].${notFunctions[0]}`, typeof hooks[notFunctions[0]!], 'a function');
    }
    const what = typeof hooks === 'object' && hooks !== null ? `an object with keys [${Object.keys(hooks).join(', ')}]` : String(value);
    throw new InvalidArgumentError(`${argument}[${i}]`, what, `a Callback or an object with any of ${HOOKS.join(', ')}`);
  });
}
