import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Fingerprint } from '@geoparam/core';
import { InterruptedError, type Protocol } from '@geoparam/experiments';
import type { DataDraw, Dataset } from '@geoparam/datasets';
import type { Model } from '@geoparam/models';
import type { ParameterizationName } from '@geoparam/parameterizations';
import {
  CabTracker,
  EarlyStopping,
  ProgressBar,
  ReduceLROnPlateau,
  evaluate,
  fit,
  fitStacked,
  type CabRecord,
  type Callback,
  type FitOptions,
  type History,
} from '@geoparam/trainer';
import { METHOD_LABELS } from '../labels';
import { assertCheckpointMatches, markCheckpoint } from './fingerprints';

export type { Protocol };

// A run stopped by Ctrl-C; its checkpoint and finished methods are on disk for `--resume`.
export { InterruptedError };

/** What every paper reproduction takes; `R` is its per-method result. */
export interface ExperimentOptions<R> {
  /** The first data draw and the first initialization seed (the showcase and stability runs use it). */
  seed: number;
  /** Initialization seeds per method and draw: seed, seed + 1, … */
  seeds: number;
  /** Data draws: seed, seed + 1, … */
  dataSeeds: number;
  dataDraw: DataDraw;
  methods: ParameterizationName[];
  epochs: number;
  protocol: Protocol;
  stabilitySteps: number;
  out: string;
  resume: boolean;
  /** Everything that changes this command's results (see fingerprints.ts); each method adds its own fields. */
  fingerprint: Fingerprint;
  signal?: AbortSignal;
  /** Called when a method is trained and again when its stability run is done (so both survive an interrupt). */
  onMethod?: (outcome: R | (R extends { stability: StabilityOutcome } ? StabilityPending<R> : never)) => void;
  /** Called with each finished group of seed runs (likewise). */
  onRuns?: (runs: SeedRun[]) => void;
  log: (line: string) => void;
}

export interface Schedule {
  /** What ReduceLROnPlateau and EarlyStopping watch. */
  monitor: string;
  reducePatience: number;
  stopPatience: number;
  factor: number;
}

export interface MethodSpec {
  method: ParameterizationName;
  learningRate: number;
  /** The run's fingerprint with this method and rate: its checkpoint carries it. */
  fingerprint: Fingerprint;
  /** Initialization seed (and batch order). */
  seed: number;
}

/** One training run of a method on one data draw from one initialization, as the tables use it. */
export interface SeedRun {
  method: ParameterizationName;
  dataSeed: number;
  initSeed: number;
  testMetric: number;
  epochs: number;
  stopReason: string;
  /** Trained with other seeds as one stacked computation (`fitStacked`); wall time is its share. */
  stacked: boolean;
  wallSeconds: number;
}

export interface MethodOutcome {
  method: ParameterizationName;
  /** Of the run that produced it: a finished method is reused only under the same fingerprint. */
  fingerprint: Fingerprint;
  label: string;
  lr: number;
  epochs: number;
  stopReason: string;
  testMetric: number;
  wallSeconds: number;
  history: History;
  /** Per epoch (or step), every ReLU unit's boundary. */
  trajectory: CabRecord[];
}

export interface TrainSpec {
  buildModel(method: ParameterizationName, seed: number): Model;
  train: Dataset;
  validation?: Dataset;
  test: Dataset;
  fit: Omit<FitOptions, 'optimizer' | 'callbacks' | 'checkpointDir' | 'resumeFrom' | 'monitor' | 'seed'>;
  schedule: Schedule;
  testMetric: 'rmse' | 'accuracy';
  /** Ctrl-C: training stops after the current batch, leaving a checkpoint. */
  signal?: AbortSignal;
  /** Called with the trained model before it is disposed (predictions for figures). */
  inspect?(method: ParameterizationName, model: Model, phase: 'initial' | 'final'): Promise<void>;
}

/** At most `limit` evenly spaced records, always keeping the first and the last. */
export function thinRecords<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  const stride = (items.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => items[Math.round(i * stride)]!);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Trains one method with the experiment's schedule. With `checkpointDir`, Ctrl-C leaves a
 * checkpoint there, and a later call with `resume` continues it, only if the checkpoint was
 * written under the same fingerprint (FingerprintMismatchError otherwise).
 */
export async function trainMethod(spec: TrainSpec, method: MethodSpec, checkpointDir: string, resume: boolean): Promise<MethodOutcome> {
  const model = spec.buildModel(method.method, method.seed);
  try {
    await spec.inspect?.(method.method, model, 'initial');
    const tracker = new CabTracker({ every: 'epoch' });
    const callbacks: Callback[] = [
      ...scheduleCallbacks(spec.schedule),
      tracker,
      new ProgressBar({ label: (METHOD_LABELS[method.method] ?? method.method).padEnd(6) }),
    ];
    const resumeFrom = resume && (await exists(path.join(checkpointDir, 'training.json'))) ? checkpointDir : undefined;
    if (resumeFrom) assertCheckpointMatches(resumeFrom, method.fingerprint);
    else markCheckpoint(checkpointDir, method.fingerprint);
    const started = performance.now();
    const history = await fit(
      model,
      { train: spec.train, ...(spec.validation ? { validation: spec.validation } : {}) },
      {
        ...spec.fit,
        seed: method.seed,
        optimizer: { name: 'adam', learningRate: method.learningRate },
        monitor: spec.schedule.monitor,
        callbacks,
        checkpointDir,
        ...(resumeFrom ? { resumeFrom } : {}),
        ...(spec.signal ? { signal: spec.signal, handleSigint: false } : {}),
      },
    );
    if (history.stopReason === 'interrupted') throw new InterruptedError(history.message ?? 'interrupted');
    await fs.rm(checkpointDir, { recursive: true, force: true });
    const metric = (await evaluate(model, spec.test, { metrics: [spec.testMetric] }))[spec.testMetric]!;
    await spec.inspect?.(method.method, model, 'final');
    return {
      method: method.method,
      fingerprint: method.fingerprint,
      label: METHOD_LABELS[method.method] ?? method.method,
      lr: method.learningRate,
      epochs: history.epoch.length,
      stopReason: history.stopReason,
      testMetric: metric,
      wallSeconds: (performance.now() - started) / 1000,
      history,
      trajectory: thinRecords(tracker.records, 500),
    };
  } finally {
    model.dispose();
  }
}

/**
 * A method whose training finished but whose stability run did not (interrupted): kept in
 * partial.json so `--resume` only redoes the stability run, which starts afresh from the seed.
 */
export type StabilityPending<R extends { stability: StabilityOutcome }> = Omit<R, 'stability'> & { stability: null };

export interface StabilityOutcome {
  perStep: number[];
  max: number;
  maxLocationShift: number[];
  maxAngleChange: number[];
}

/** Fig 2(c)/3(i): train at one learning rate and record every step's largest boundary move. */
export async function stabilityRun(
  spec: TrainSpec,
  method: ParameterizationName,
  seed: number,
  learningRate: number,
  steps: number,
  metric: 'maxLocationShift' | 'maxAngleChange',
): Promise<StabilityOutcome> {
  const model = spec.buildModel(method, seed);
  try {
    const tracker = new CabTracker({ every: 'step', maxRecords: steps, stabilityOnly: true });
    const batchSize = spec.fit.batchSize === 'full' || spec.fit.batchSize === undefined ? spec.train.numExamples : spec.fit.batchSize;
    const stepsPerEpoch = Math.ceil(spec.train.numExamples / Math.min(batchSize, spec.train.numExamples));
    const history = await fit(
      model,
      { train: spec.train },
      { ...spec.fit, seed, epochs: Math.ceil(steps / stepsPerEpoch), optimizer: { name: 'adam', learningRate }, callbacks: [tracker], ...(spec.signal ? { signal: spec.signal, handleSigint: false } : {}) },
    );
    if (history.stopReason === 'interrupted') throw new InterruptedError(`interrupted during the stability run of ${METHOD_LABELS[method] ?? method}`);
    const series = tracker.stability.slice(0, steps);
    const perStep = series.map((s) => s[metric]);
    return {
      perStep,
      max: perStep.reduce((m, v) => (Number.isNaN(v) || v > m ? v : m), 0),
      maxLocationShift: series.map((s) => s.maxLocationShift),
      maxAngleChange: series.map((s) => s.maxAngleChange),
    };
  } finally {
    model.dispose();
  }
}

function scheduleCallbacks(schedule: Schedule): Callback[] {
  return [
    new ReduceLROnPlateau({ monitor: schedule.monitor, factor: schedule.factor, patience: schedule.reducePatience }),
    new EarlyStopping({ monitor: schedule.monitor, patience: schedule.stopPatience, restoreBestWeights: true }),
  ];
}

/**
 * One method on one data draw from several initializations, trained as one stacked computation
 * (`fitStacked`: each member keeps its own initialization, batch order, schedule and early
 * stopping, as separate `fit` runs would). Ctrl-C is honoured between groups, not inside one.
 */
export async function trainSeeds(spec: TrainSpec, method: ParameterizationName, learningRate: number, dataSeed: number, seeds: readonly number[]): Promise<SeedRun[]> {
  if (seeds.length === 0) return [];
  if (spec.signal?.aborted) throw new InterruptedError(`interrupted before the seed runs of ${METHOD_LABELS[method] ?? method}`);
  const started = performance.now();
  const models: Model[] = [];
  try {
    for (const seed of seeds) models.push(spec.buildModel(method, seed));
    const histories = await fitStacked(
      models.map((model, k) => ({
        model,
        train: spec.train,
        ...(spec.validation ? { validation: spec.validation } : {}),
        seed: seeds[k]!,
        learningRate,
        callbacks: scheduleCallbacks(spec.schedule),
      })),
      {
        epochs: spec.fit.epochs,
        ...(spec.fit.batchSize !== undefined ? { batchSize: spec.fit.batchSize } : {}),
        loss: spec.fit.loss,
        ...(spec.fit.metrics ? { metrics: spec.fit.metrics } : {}),
        optimizer: { name: 'adam', learningRate },
        monitor: spec.schedule.monitor,
      },
    );
    const wallSeconds = (performance.now() - started) / 1000 / seeds.length;
    const testMetrics: number[] = [];
    for (const model of models) testMetrics.push((await evaluate(model, spec.test, { metrics: [spec.testMetric] }))[spec.testMetric]!);
    return models.map((model, k) => ({
      method,
      dataSeed,
      initSeed: seeds[k]!,
      testMetric: testMetrics[k]!,
      epochs: histories[k]!.epoch.length,
      stopReason: histories[k]!.stopReason,
      stacked: true,
      wallSeconds,
    }));
  } finally {
    models.forEach((m) => m.dispose());
  }
}

/** A showcase run as one of the seed runs the tables summarize. */
export function showcaseRun(outcome: MethodOutcome, seed: number): SeedRun {
  return {
    method: outcome.method,
    dataSeed: seed,
    initSeed: seed,
    testMetric: outcome.testMetric,
    epochs: outcome.epochs,
    stopReason: outcome.stopReason,
    stacked: false,
    wallSeconds: outcome.wallSeconds,
  };
}

/** The data seeds S…S+M−1 or initialization seeds S…S+N−1 of a study. */
export function seedRange(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}
