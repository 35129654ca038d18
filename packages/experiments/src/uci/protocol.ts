import { SeedStream } from '@geoparam/core';
import { Standardizer, carveValidation, trainTestSplit, type Dataset } from '@geoparam/datasets';
import { mlp } from '@geoparam/models';
import { methodFacts, type ParameterizationName } from '@geoparam/parameterizations';
import { EarlyStopping, ReduceLROnPlateau, evaluate, fit, fitStacked, type Callback, type FitOptions, type History, type StackedFitOptions } from '@geoparam/trainer';
import type { DataRef } from '../data';

/** What LR schedule and early stopping watch: 20% of the training part (`validation`) or, as the reference code does, the test split (`paper`). */
export type Protocol = 'validation' | 'paper';

/** One training run of the Table 1 protocol. */
export interface UciRun {
  data: DataRef;
  method: ParameterizationName;
  split: number;
  learningRate: number;
  seed: number;
  epochs: number;
  protocol: Protocol;
  /** `grid`: split 0 only, to choose the learning rate on the validation split; `final`: a Table 1 run. */
  phase: 'grid' | 'final';
}

/** What one UCI run gives. */
export interface UciRunResult {
  testRmse: number;
  validationRmse: number;
  epochs: number;
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

/** The standardized parts of one split. */
export interface UciSplit {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

function runSeed(run: Pick<UciRun, 'seed' | 'split'>): number {
  return run.seed * 1000 + run.split;
}

/** The split's seed depends only on (seed, split), so every method sees the same 80/20 split. */
function splitSeeds(run: Pick<UciRun, 'seed' | 'split'>): { split: number; carve: number } {
  const s = new SeedStream(runSeed(run));
  return { split: s.next(), carve: s.next() };
}

/** Train/validation/test parts of one run, standardized on the training part. */
export function prepareUciSplit(full: Dataset, run: Pick<UciRun, 'seed' | 'split' | 'protocol' | 'phase'>): UciSplit {
  const seeds = splitSeeds(run);
  const { train: trainAll, test } = trainTestSplit(full, { testFraction: 0.2, seed: seeds.split });
  // The grid search never looks at the test split, whatever the protocol.
  const carve = run.protocol === 'validation' || run.phase === 'grid';
  const { train, validation } = carve ? carveValidation(trainAll, { validationFraction: 0.2, seed: seeds.carve }) : { train: trainAll, validation: test };
  const standardizer = Standardizer.fit(train);
  return { train: standardizer.transform(train), validation: standardizer.transform(validation), test: standardizer.transform(test) };
}

/**
 * Table 1's protocol: inputs standardized on the training part, one hidden layer of 100 ReLU
 * units, MAE, Adam, batch 1024, reduce-LR (x0.1, patience 50) and early stopping (patience 100,
 * best weights) on validation MSE. As in the reference code, WN also weight-normalizes the output layer.
 */
function training(epochs: number, learningRate: number): StackedFitOptions & FitOptions {
  return { epochs, batchSize: UCI_BATCH_SIZE, loss: 'mae', metrics: ['mse'], monitor: 'val_mse', optimizer: { name: 'adam', learningRate } };
}

function schedule(): Callback[] {
  return [new ReduceLROnPlateau({ monitor: 'val_mse', factor: 0.1, patience: 50 }), new EarlyStopping({ monitor: 'val_mse', patience: 100, restoreBestWeights: true })];
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

async function outcome(model: ReturnType<typeof mlp>, data: UciSplit, history: History, seconds: number, stacked: boolean): Promise<UciOutcome> {
  if (history.stopReason === 'nonFinite') return { error: `stopped by a non-finite metric: ${history.message ?? 'NaN'}` };
  const testRmse = (await evaluate(model, data.test, { metrics: ['rmse'] }))['rmse']!;
  const validationRmse = (await evaluate(model, data.validation, { metrics: ['rmse'] }))['rmse']!;
  if (!Number.isFinite(testRmse) || !Number.isFinite(validationRmse)) {
    return { error: `non-finite RMSE after training (test ${testRmse}, validation ${validationRmse})` };
  }
  return { result: { testRmse, validationRmse, epochs: history.epoch.length, seconds, stacked } };
}

async function trainAlone(run: UciRun, data: UciSplit): Promise<UciOutcome> {
  const started = performance.now();
  const model = runModel(run, data.train.numFeatures);
  try {
    const history = await fit(model, { train: data.train, validation: data.validation }, { ...training(run.epochs, run.learningRate), seed: runSeed(run), callbacks: schedule() });
    return await outcome(model, data, history, (performance.now() - started) / 1000, false);
  } finally {
    model.dispose();
  }
}

/** Runs that can share one stacked computation: same data set, method, protocol, phase and budget. */
export function uciStackGroup(run: UciRun): string {
  return [run.phase, run.data.name, run.data.sha256, run.method, run.seed, run.epochs, run.protocol].join('|');
}

/**
 * Trains runs that differ only in split and learning rate (one data set and method). Stacked
 * (`fitStacked`), each run keeps its own split, initialization, batch order, learning-rate
 * schedule and early stopping, and gives what it gives alone. A stacked run's `seconds` is its
 * share of the group's wall time. With `auto`, a data set larger than one batch trains run by run.
 */
export async function trainUciRuns(runs: readonly UciRun[], full: Dataset, mode: StackMode = 'auto'): Promise<UciOutcome[]> {
  const first = runs[0];
  if (!first) return [];
  runs.forEach((run) => {
    if (uciStackGroup(run) !== uciStackGroup(first)) throw new Error(`cannot stack ${uciStackGroup(run)} with ${uciStackGroup(first)}`);
  });
  const data = runs.map((run) => prepareUciSplit(full, run));
  if (mode === 'none' || runs.length === 1 || (mode === 'auto' && data[0]!.train.numExamples > UCI_BATCH_SIZE)) {
    const results: UciOutcome[] = [];
    for (const [k, run] of runs.entries()) results.push(await trainAlone(run, data[k]!));
    return results;
  }
  const started = performance.now();
  const models = runs.map((run, k) => runModel(run, data[k]!.train.numFeatures));
  try {
    const histories = await fitStacked(
      runs.map((run, k) => ({ model: models[k]!, train: data[k]!.train, validation: data[k]!.validation, seed: runSeed(run), learningRate: run.learningRate, callbacks: schedule() })),
      training(first.epochs, first.learningRate),
    );
    const seconds = (performance.now() - started) / 1000 / runs.length;
    return await Promise.all(models.map((model, k) => outcome(model, data[k]!, histories[k]!, seconds, true)));
  } finally {
    models.forEach((m) => m.dispose());
  }
}
