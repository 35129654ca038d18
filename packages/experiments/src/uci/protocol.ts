import { InvalidArgumentError, SeedStream } from '@geoparam/core';
import { Standardizer, carveValidation, sklearnTrainTestSplit, take, trainTestSplit, uciReferenceSplit, type DataDraw, type Dataset } from '@geoparam/datasets';
import { mlp } from '@geoparam/models';
import { methodFacts, type ParameterizationName } from '@geoparam/parameterizations';
import { evaluate, fit, fitStacked, type Callback, type FitOptions, type History, type StackedFitOptions } from '@geoparam/trainer';
import type { DataRef } from '../data';
import { plateauSchedule, refitCallbacks, sealTestSplit, type EvaluationProtocol } from '../protocol';

/** One training run of the Table 1 protocol. */
export interface UciRun {
  data: DataRef;
  method: ParameterizationName;
  split: number;
  learningRate: number;
  seed: number;
  /** The most epochs (a refit run: exactly this many, the validation run's best). */
  epochs: number;
  /** A refit's validation runs are `validation` runs (the same members as `--protocol validation`). */
  protocol: EvaluationProtocol;
  /** How the 80/20 split (and the validation carve) is drawn: the reference's `train_test_split(random_state=split)` or our SeedStream. */
  draw: DataDraw;
  /** `grid`: split 0 only, to choose the learning rate on the validation split; `final`: a Table 1 run (under refit: its validation run); `refit`: retrained on the whole training split. */
  phase: 'grid' | 'final' | 'refit';
  /** A refit run: the validation run it repeats (member key) and the epochs after which its learning rate dropped ×0.1. */
  refit?: { from: string; lrDrops: number[] };
}

/** What one UCI run gives. */
export interface UciRunResult {
  testRmse: number;
  /** Absent for a refit run, which has no validation split. */
  validationRmse?: number;
  /** Epochs trained. */
  epochs: number;
  /** Runs that watch a validation score: the epoch (1-based) of the best one, whose weights the run returns. */
  bestEpoch?: number;
  /** Runs with a plateau schedule: the epochs (1-based) after which the learning rate dropped ×0.1. */
  lrDrops?: number[];
  seconds: number;
  /** Trained in a stack with the other runs of its group (`fitStacked`), not on its own. */
  stacked: boolean;
}

/**
 * `all`: every group of runs stacked; `auto`: stacked where a training split is one batch (on
 * wasm, stacking full 1024-example batches measured 5-15% slower than runs one by one, while
 * single-batch epochs gain 1.2-2.6x); `none`: every run on its own.
 */
export type StackMode = 'auto' | 'all' | 'none';

/** Table 1's batch size. */
export const UCI_BATCH_SIZE = 1024;

/** Paper Table 1 (test RMSE, mean and standard error over 10 splits). */
export const UCI_PAPER_TABLE: Record<string, Partial<Record<ParameterizationName, [number, number]>>> = {
  boston: { standard: [3.37, 0.145], weightNorm: [3.459, 0.156], batchNorm: [3.469, 0.153], geometric: [3.057, 0.144] },
  concrete: { standard: [5.472, 0.144], weightNorm: [5.952, 0.148], batchNorm: [5.695, 0.16], geometric: [5.153, 0.098] },
  energy: { standard: [0.898, 0.274], weightNorm: [2.093, 0.789], batchNorm: [1.648, 0.302], geometric: [0.474, 0.013] },
  naval: { standard: [0.002, 0.0], weightNorm: [0.003, 0.0], batchNorm: [0.001, 0.0], geometric: [0.003, 0.001] },
  power: { standard: [4.065, 0.029], weightNorm: [4.073, 0.026], batchNorm: [4.164, 0.026], geometric: [4.022, 0.025] },
  'wine-red': { standard: [0.623, 0.008], weightNorm: [0.632, 0.008], batchNorm: [0.622, 0.011], geometric: [0.613, 0.006] },
  yacht: { standard: [0.639, 0.063], weightNorm: [0.624, 0.076], batchNorm: [0.777, 0.055], geometric: [0.584, 0.046] },
};

/** The learning rates `--lr-grid` chooses from. */
export const UCI_LR_GRID = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3];

/** Seeds are derived as seed × 1000 + split; the planner keeps both in range so this never wraps. */
export const UCI_MAX_SEED = 2_000_000;
/** At most this many splits per data set (the derived seeds stay distinct and in range). */
export const UCI_MAX_SPLITS = 1000;

/** The standardized parts of one split (a refit run has no validation part: it trains on the whole training split). */
export interface UciSplit {
  train: Dataset;
  validation: Dataset | null;
  test: Dataset;
}

function runSeed(run: Pick<UciRun, 'seed' | 'split'>): number {
  return run.seed * 1000 + run.split;
}

/**
 * Row indices of a run's 80/20 split. `reference`: scikit-learn's `train_test_split(test_size=0.2,
 * random_state=split)` on the rows in the reference code's order (a user's CSV: file order), the
 * same for every seed; `own`: our SeedStream, seeded by (seed, split).
 */
function splitIndices(full: Dataset, run: Pick<UciRun, 'data' | 'seed' | 'split' | 'draw'>): { train: Int32Array; test: Int32Array } | null {
  if (run.draw === 'own') return null;
  if (run.data.name.startsWith('csv:')) return sklearnTrainTestSplit(full.numExamples, { testSize: 0.2, randomState: run.split });
  const indices = uciReferenceSplit(run.data.name, run.split);
  const rows = indices.train.length + indices.test.length;
  if (rows !== full.numExamples) throw new InvalidArgumentError(`${run.data.name} rows`, full.numExamples, `the ${rows} rows the reference order of ${run.data.name} has`);
  return indices;
}

/** The split's seeds depend only on (seed, split), so every method sees the same 80/20 split. */
function splitSeeds(run: Pick<UciRun, 'seed' | 'split'>): { split: number; carve: number } {
  const s = new SeedStream(runSeed(run));
  return { split: s.next(), carve: s.next() };
}

/**
 * Train/validation/test parts of one run, standardized on the part it trains on. The validation
 * part is 20% of the training split (drawn like the split: `train_test_split(test_size=0.2,
 * random_state=split)` of the training rows, or SeedStream); the paper protocol watches the test
 * split instead, and a refit run trains on the whole training split without one.
 */
export function prepareUciSplit(full: Dataset, run: Pick<UciRun, 'data' | 'seed' | 'split' | 'protocol' | 'phase' | 'draw'>): UciSplit {
  const seeds = splitSeeds(run);
  const reference = splitIndices(full, run);
  const { train: trainAll, test } = reference ? { train: take(full, reference.train), test: take(full, reference.test) } : trainTestSplit(full, { testFraction: 0.2, seed: seeds.split });
  if (run.phase === 'refit') {
    const standardizer = Standardizer.fit(trainAll);
    return { train: standardizer.transform(trainAll), validation: null, test: standardizer.transform(test) };
  }
  // The grid search never looks at the test split, whatever the protocol.
  const carve = run.protocol !== 'paper' || run.phase === 'grid';
  let parts: { train: Dataset; validation: Dataset };
  if (!carve) parts = { train: trainAll, validation: test };
  else if (reference) {
    const inner = sklearnTrainTestSplit(trainAll.numExamples, { testSize: 0.2, randomState: run.split });
    parts = { train: take(trainAll, inner.train), validation: take(trainAll, inner.test) };
  } else parts = carveValidation(trainAll, { validationFraction: 0.2, seed: seeds.carve });
  const standardizer = Standardizer.fit(parts.train);
  return { train: standardizer.transform(parts.train), validation: standardizer.transform(parts.validation), test: standardizer.transform(test) };
}

/**
 * Table 1's protocol: inputs standardized on the training part, one hidden layer of 100 ReLU
 * units, MAE, Adam, batch 1024, reduce-LR (x0.1, patience 50) and early stopping (patience 100,
 * best weights) on validation MSE. As in the reference code, WN also weight-normalizes the output layer.
 * A refit run watches nothing: it trains its given epochs with its given drops, monitoring its training loss only for fit's non-finite safety net.
 */
function training(run: UciRun, epochs: number): StackedFitOptions & FitOptions {
  return { epochs, batchSize: UCI_BATCH_SIZE, loss: 'mae', metrics: ['mse'], monitor: run.phase === 'refit' ? 'loss' : 'val_mse', optimizer: { name: 'adam', learningRate: run.learningRate } };
}

/** A run's schedule; `read` gives what the validation run records for its refit (best epoch, LR drops). */
function schedule(run: UciRun): { callbacks: Callback[]; read(history: History): Pick<UciRunResult, 'bestEpoch' | 'lrDrops'> } {
  if (run.phase === 'refit') return { callbacks: refitCallbacks({ epochs: run.epochs, lrDrops: run.refit?.lrDrops ?? [] }), read: () => ({}) };
  return plateauSchedule({ monitor: 'val_mse', factor: 0.1, reducePatience: 50, stopPatience: 100 });
}

function runModel(run: UciRun, inputDim: number) {
  return mlp({
    inputDim,
    hidden: [100],
    parameterization: run.method,
    outputParameterization: methodFacts(run.method).referenceOutputLayer,
    seed: runSeed(run),
  });
}

/** A run's outcome: its result, or why it failed (a run stopped by a non-finite metric is a failure, never a number to average). */
export type UciOutcome = { result: UciRunResult } | { error: string };

/** The test split as a run sees it while training: sealed unless its protocol watches it (`paper`). */
function guardTest(run: UciRun, data: UciSplit): { split: UciSplit; open(): Dataset } {
  if (run.protocol === 'paper' && run.phase !== 'grid') return { split: data, open: () => data.test };
  const seal = sealTestSplit(data.test, `${run.phase} run ${run.data.name} ${run.method} split ${run.split}`);
  return { split: { ...data, test: seal.data }, open: seal.open };
}

async function outcome(model: ReturnType<typeof mlp>, run: UciRun, data: UciSplit, openTest: () => Dataset, history: History, extra: Pick<UciRunResult, 'bestEpoch' | 'lrDrops'>, seconds: number, stacked: boolean): Promise<UciOutcome> {
  if (history.stopReason === 'nonFinite') return { error: `stopped by a non-finite metric: ${history.message ?? 'NaN'}` };
  const validationRmse = data.validation ? (await evaluate(model, data.validation, { metrics: ['rmse'] }))['rmse']! : undefined;
  // The final evaluation: the only moment a validation or refit run reads its test split.
  const testRmse = (await evaluate(model, openTest(), { metrics: ['rmse'] }))['rmse']!;
  if (!Number.isFinite(testRmse) || (validationRmse !== undefined && !Number.isFinite(validationRmse))) {
    return { error: `non-finite RMSE after training (test ${testRmse}${validationRmse !== undefined ? `, validation ${validationRmse}` : ''})` };
  }
  const recorded = run.phase === 'refit' ? { lrDrops: run.refit?.lrDrops ?? [] } : extra;
  return { result: { testRmse, ...(validationRmse !== undefined ? { validationRmse } : {}), epochs: history.epoch.length, ...recorded, seconds, stacked } };
}

/** Runs that can share one stacked computation: same data set, method, protocol, phase, draw and budget (refit runs of any length stack, each stopping at its own). */
export function uciStackGroup(run: UciRun): string {
  return [run.phase, run.data.name, run.data.sha256, run.method, run.seed, run.phase === 'refit' ? 'refit' : run.epochs, run.protocol, run.draw].join('|');
}

/**
 * Trains runs that differ only in split and learning rate (one data set and method). Stacked
 * (`fitStacked`), each run keeps its own split, initialization, batch order, learning-rate
 * schedule and early stopping, and gives what it gives alone. A stacked run's `seconds` is its
 * share of the group's wall time. With `auto`, a data set larger than one batch trains run by run.
 */
export async function trainUciRuns(runs: readonly UciRun[], full: Dataset, mode: StackMode = 'auto'): Promise<UciOutcome[]> {
  return trainUciSplits(runs, runs.map((run) => prepareUciSplit(full, run)), mode);
}

/**
 * `trainUciRuns` on splits already prepared (`prepareUciSplit`). Outside the paper protocol each
 * run's test split stays sealed (`sealTestSplit`) until its final evaluation.
 */
export async function trainUciSplits(runs: readonly UciRun[], splits: readonly UciSplit[], mode: StackMode = 'auto'): Promise<UciOutcome[]> {
  const first = runs[0];
  if (!first) return [];
  runs.forEach((run) => {
    if (uciStackGroup(run) !== uciStackGroup(first)) throw new Error(`cannot stack ${uciStackGroup(run)} with ${uciStackGroup(first)}`);
  });
  const guarded = runs.map((run, k) => guardTest(run, splits[k]!));
  const data = guarded.map((g) => g.split);
  if (mode === 'none' || runs.length === 1 || (mode === 'auto' && data[0]!.train.numExamples > UCI_BATCH_SIZE)) {
    const results: UciOutcome[] = [];
    for (const [k, run] of runs.entries()) {
      const started = performance.now();
      const model = runModel(run, data[k]!.train.numFeatures);
      try {
        const plan = schedule(run);
        const history = await fit(model, { train: data[k]!.train, ...(data[k]!.validation ? { validation: data[k]!.validation } : {}) }, { ...training(run, run.epochs), seed: runSeed(run), callbacks: plan.callbacks });
        results.push(await outcome(model, run, data[k]!, guarded[k]!.open, history, plan.read(history), (performance.now() - started) / 1000, false));
      } finally {
        model.dispose();
      }
    }
    return results;
  }
  const started = performance.now();
  const models = runs.map((run, k) => runModel(run, data[k]!.train.numFeatures));
  const plans = runs.map((run) => schedule(run));
  try {
    const histories = await fitStacked(
      runs.map((run, k) => ({ model: models[k]!, train: data[k]!.train, ...(data[k]!.validation ? { validation: data[k]!.validation } : {}), seed: runSeed(run), learningRate: run.learningRate, callbacks: plans[k]!.callbacks })),
      training(first, Math.max(...runs.map((r) => r.epochs))),
    );
    const seconds = (performance.now() - started) / 1000 / runs.length;
    return await Promise.all(models.map((model, k) => outcome(model, runs[k]!, data[k]!, guarded[k]!.open, histories[k]!, plans[k]!.read(histories[k]!), seconds, true)));
  } finally {
    models.forEach((m) => m.dispose());
  }
}
