import { GeoparamError } from '@geoparam/core';
import type { Dataset } from '@geoparam/datasets';
import { Callback, EarlyStopping, ReduceLROnPlateau, StepDecay, type History } from '@geoparam/trainer';

/** What the LR schedule and early stopping watch: a validation part carved from the training data (`validation`) or what the reference code watches (`paper`). */
export type Protocol = 'validation' | 'paper';

/**
 * The protocols of the experiments that report a held-out test score (Table 1, Banana):
 * `validation` and `paper` as `Protocol`; `refit` runs the validation protocol, then retrains
 * each run from the same initialization on the whole training split for the validation run's
 * best number of epochs with its learning-rate drops (the test split is never watched).
 */
export type EvaluationProtocol = Protocol | 'refit';

/** A reduce-on-plateau schedule with early stopping (best weights restored): what it watches and how patiently. */
export interface PlateauSchedule {
  /** What ReduceLROnPlateau and EarlyStopping watch (`loss`, `val_loss`, `val_accuracy`, ...). */
  monitor: string;
  /** Epochs without improvement before the learning rate is multiplied by `factor`. */
  reducePatience: number;
  /** Epochs without improvement before training stops (best weights restored). */
  stopPatience: number;
  /** What a reduction multiplies the learning rate by. */
  factor: number;
}

/** What a scheduled run records for its refit: the epoch (1-based) whose weights it kept, and the epochs (1-based) after which its learning rate dropped. */
export interface ScheduleRecord {
  /** Absent when the monitored value was never finite (no epoch to keep). */
  bestEpoch?: number;
  lrDrops: number[];
}

/** A refit's budget: exactly `epochs` epochs, the learning rate multiplied by the drop factor after each epoch of `lrDrops`. */
export interface RefitBudget {
  epochs: number;
  lrDrops: number[];
}

/** Ends a run (or a stacked member's run) after a budget of its own, as a run of its own with that budget would end. */
export class StopAfter extends Callback {
  constructor(private readonly budget: { steps?: number; epochs?: number }) {
    super();
  }

  /** Stops the run once it has taken its budget of steps. */
  override onBatchEnd(): void {
    if (this.budget.steps !== undefined && this.context.step >= this.budget.steps) this.context.stop('completed');
  }

  /** Stops the run once it has trained its budget of epochs. */
  override onEpochEnd(epoch: number): void {
    if (this.budget.epochs !== undefined && epoch + 1 >= this.budget.epochs) this.context.stop('completed');
  }
}

/** One run's plateau schedule: the callbacks it trains with, and what it records for a refit. */
export interface PlateauScheduleRun {
  /** ReduceLROnPlateau and EarlyStopping (best weights restored), for this run only. */
  callbacks: Callback[];
  /** What the run records for its refit, from its history once it has trained. */
  read(history: History): ScheduleRecord;
}

/**
 * A plateau schedule's callbacks, and `read`, which gives what the run records for a refit from
 * its history once it has trained: the epoch EarlyStopping kept (the first whose monitored value
 * equals the best, since only a strict improvement replaces the best) and ReduceLROnPlateau's drops.
 */
export function plateauSchedule(schedule: PlateauSchedule): PlateauScheduleRun {
  const plateau = new ReduceLROnPlateau({ monitor: schedule.monitor, factor: schedule.factor, patience: schedule.reducePatience });
  const early = new EarlyStopping({ monitor: schedule.monitor, patience: schedule.stopPatience, restoreBestWeights: true });
  return {
    callbacks: [plateau, early],
    read: (history) => {
      const best = history.history[schedule.monitor]?.indexOf(early.bestValue) ?? -1;
      return { ...(best >= 0 ? { bestEpoch: best + 1 } : {}), lrDrops: plateau.reductions.map((r) => r.epoch + 1) };
    },
  };
}

/** The refit of a scheduled run: its best epoch count and the drops before it; undefined without a best epoch. */
export function refitBudget(record: Partial<ScheduleRecord>): RefitBudget | undefined {
  if (record.bestEpoch === undefined) return undefined;
  const epochs = record.bestEpoch;
  return { epochs, lrDrops: (record.lrDrops ?? []).filter((e) => e < epochs) };
}

/** A refit's schedule: the learning rate drops ×`factor` at the start of the epoch after each of `lrDrops`, and training ends after exactly `epochs` epochs. */
export function refitCallbacks(budget: RefitBudget, factor = 0.1): Callback[] {
  return [new StepDecay({ boundaries: budget.lrDrops, factor }), new StopAfter({ epochs: budget.epochs })];
}

/** Something read the test split of a run that must not see it before its final evaluation. */
export class TestSplitReadError extends GeoparamError {
  constructor(what: string, property: string) {
    super('TEST_SPLIT_READ', `${what} read the test split (${property}) before its final evaluation; only the paper protocol may watch it`);
  }
}

/**
 * The test split of a run that must not look at it while it trains: every read of the returned
 * dataset throws `TestSplitReadError` until `open()`, which the final evaluation calls. Any
 * schedule, stopping rule or refit that peeked would fail the run instead of passing silently.
 */
export function sealTestSplit(
  test: Dataset,
  what: string,
): {
  data: Dataset;
  /** Unseals the split for the final evaluation and returns it. */
  open(): Dataset;
} {
  let sealed = true;
  const data = new Proxy(test, {
    get(target, property, receiver) {
      if (sealed) throw new TestSplitReadError(what, String(property));
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return {
    data,
    open: () => {
      sealed = false;
      return data;
    },
  };
}
