import { SeedStream } from '@geoparam/core';
import { Standardizer, carveValidation, loadCsv, loadUci, trainTestSplit, type Dataset } from '@geoparam/datasets';
import { mlp } from '@geoparam/models';
import { methodFacts, type ParameterizationName } from '@geoparam/parameterizations';
import { EarlyStopping, ReduceLROnPlateau, evaluate, fit, fitStacked, type Callback, type FitOptions, type StackedFitOptions } from '@geoparam/trainer';
import type { Protocol } from './runner';
import { describeSample } from './statistics';

/** One training run of the Table 1 protocol. */
export interface UciJob {
  dataset: string;
  method: ParameterizationName;
  split: number;
  learningRate: number;
  seed: number;
  epochs: number;
  protocol: Protocol;
  /** `grid`: split 0 only, to choose the learning rate on the validation split; `final`: a Table 1 run. */
  phase: 'grid' | 'final';
  dataDir?: string;
}

export interface UciJobResult {
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

const BATCH_SIZE = 1024;

export function jobKey(job: UciJob): string {
  return [job.phase, job.dataset, job.method, job.split, job.learningRate, job.seed, job.epochs, job.protocol].join('|');
}

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

export const LR_GRID = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3];

interface Prepared {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

/** The split's seed depends only on (seed, split), so every method sees the same 80/20 split. */
function splitSeeds(seed: number, split: number): { split: number; carve: number } {
  const s = new SeedStream(seed * 1000 + split);
  return { split: s.next(), carve: s.next() };
}

export function prepareSplit(full: Dataset, job: Pick<UciJob, 'seed' | 'split' | 'protocol' | 'phase'>): Prepared {
  const seeds = splitSeeds(job.seed, job.split);
  const { train: trainAll, test } = trainTestSplit(full, { testFraction: 0.2, seed: seeds.split });
  // The grid search never looks at the test split, whatever the protocol.
  const carve = job.protocol === 'validation' || job.phase === 'grid';
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
  return { epochs, batchSize: BATCH_SIZE, loss: 'mae', metrics: ['mse'], monitor: 'val_mse', optimizer: { name: 'adam', learningRate } };
}

function schedule(): Callback[] {
  return [new ReduceLROnPlateau({ monitor: 'val_mse', factor: 0.1, patience: 50 }), new EarlyStopping({ monitor: 'val_mse', patience: 100, restoreBestWeights: true })];
}

function jobModel(job: UciJob, inputDim: number) {
  return mlp({
    inputDim,
    hidden: [100],
    parameterization: job.method,
    outputParameterization: methodFacts(job.method).referenceOutputLayer,
    seed: job.seed * 1000 + job.split,
  });
}

async function jobResult(model: ReturnType<typeof mlp>, data: Prepared, epochs: number, seconds: number, stacked: boolean): Promise<UciJobResult> {
  return {
    testRmse: (await evaluate(model, data.test, { metrics: ['rmse'] }))['rmse']!,
    validationRmse: (await evaluate(model, data.validation, { metrics: ['rmse'] }))['rmse']!,
    epochs,
    seconds,
    stacked,
  };
}

export async function runUciJob(job: UciJob, load: (name: string) => Promise<Dataset>): Promise<UciJobResult> {
  return trainAlone(job, prepareSplit(await load(job.dataset), job));
}

async function trainAlone(job: UciJob, data: Prepared): Promise<UciJobResult> {
  const started = performance.now();
  const model = jobModel(job, data.train.numFeatures);
  try {
    const history = await fit(
      model,
      { train: data.train, validation: data.validation },
      { ...training(job.epochs, job.learningRate), seed: job.seed * 1000 + job.split, callbacks: schedule() },
    );
    return await jobResult(model, data, history.epoch.length, (performance.now() - started) / 1000, false);
  } finally {
    model.dispose();
  }
}

/**
 * Jobs that differ only in split and learning rate (one data set and method), trained as one
 * stacked computation (`fitStacked`): each run keeps its own split, initialization, batch order,
 * learning-rate schedule and early stopping, and gives what `runUciJob` gives. A job's `seconds`
 * is its share of the group's wall time. With `auto`, a data set larger than one batch trains its
 * runs one by one instead.
 */
export async function runUciGroup(jobs: UciJob[], load: (name: string) => Promise<Dataset>, mode: Exclude<StackMode, 'none'> = 'all'): Promise<UciJobResult[]> {
  const started = performance.now();
  const first = jobs[0]!;
  jobs.forEach((job) => {
    if (groupKey(job) !== groupKey(first)) throw new Error(`cannot stack ${jobKey(job)} with ${jobKey(first)}`);
  });
  const full = await load(first.dataset);
  const data = jobs.map((job) => prepareSplit(full, job));
  if (mode === 'auto' && data[0]!.train.numExamples > BATCH_SIZE) {
    const results: UciJobResult[] = [];
    for (const [k, job] of jobs.entries()) results.push(await trainAlone(job, data[k]!));
    return results;
  }
  const models = jobs.map((job, k) => jobModel(job, data[k]!.train.numFeatures));
  try {
    const histories = await fitStacked(
      jobs.map((job, k) => ({
        model: models[k]!,
        train: data[k]!.train,
        validation: data[k]!.validation,
        seed: job.seed * 1000 + job.split,
        learningRate: job.learningRate,
        callbacks: schedule(),
      })),
      training(first.epochs, first.learningRate),
    );
    const seconds = (performance.now() - started) / 1000 / jobs.length;
    return await Promise.all(models.map((model, k) => jobResult(model, data[k]!, histories[k]!.epoch.length, seconds, true)));
  } finally {
    models.forEach((m) => m.dispose());
  }
}

/** A group of jobs in the pool and its journal. */
export function groupJobKey(jobs: UciJob[]): string {
  return jobs.map(jobKey).join(',');
}

/** Jobs with the same group key can be trained stacked: same data set, method, protocol and budget. */
export function groupKey(job: UciJob): string {
  return [job.phase, job.dataset, job.method, job.seed, job.epochs, job.protocol].join('|');
}

/** A user's own CSV runs under the name `csv:<path>#<target column>`. */
export function csvDatasetName(file: string, target?: string): string {
  return `csv:${file}${target !== undefined ? `#${target}` : ''}`;
}

function loadNamed(name: string, dataDir?: string): Promise<Dataset> {
  if (name.startsWith('csv:')) {
    const [file, target] = name.slice(4).split('#') as [string, string | undefined];
    const column = target === undefined ? undefined : /^-?\d+$/.test(target) ? Number(target) : target;
    return loadCsv({ path: file, ...(column !== undefined ? { targetColumn: column } : {}) });
  }
  return loadUci(name, dataDir ? { path: dataDir } : {});
}

export function datasetLoader(dataDir?: string): (name: string) => Promise<Dataset> {
  const cache = new Map<string, Promise<Dataset>>();
  return (name) => {
    let loaded = cache.get(name);
    if (!loaded) {
      loaded = loadNamed(name, dataDir);
      cache.set(name, loaded);
    }
    return loaded;
  };
}

export interface Summary {
  rmse: number[];
  mean: number;
  se: number;
  epochs: number[];
  lr: number;
  failed: number;
}

/** Mean and standard error (sample std / sqrt n) over splits. */
export function summarize(values: number[]): { mean: number; se: number } {
  const { mean, se } = describeSample(values);
  return { mean, se };
}
