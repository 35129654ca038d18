import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { bananaExperiment, loadBanana, type Dataset } from '@geoparam/datasets';
import { mlp } from '@geoparam/models';
import type { ParameterizationName } from '@geoparam/parameterizations';
import { dataIdentity, methodFingerprint, type DataIdentity } from './fingerprints';
import { paperLearningRate } from './methods';
import { stabilityRun, trainMethod, type ExperimentOptions, type MethodOutcome, type StabilityOutcome, type TrainSpec } from './runner';

export interface BananaOptions extends ExperimentOptions<BananaMethodResult> {
  /** A local banana.csv (or its directory); otherwise downloaded once and verified. */
  dataPath?: string;
  cacheDir?: string;
}

export interface BananaMethodResult extends MethodOutcome {
  stability: StabilityOutcome;
  /** P(class 1) on the decision grid after training. */
  gridProbability: number[];
}

export interface BananaResult {
  test: { x: number[][]; y: number[] };
  grid: { x1: number[]; x2: number[]; step: number };
  methods: BananaMethodResult[];
}

export const BANANA_PAPER_ACCURACY: Partial<Record<ParameterizationName, number>> = { standard: 0.8, weightNorm: 0.81, batchNorm: 0.875, geometric: 0.885 };

const GRID = { low: -3, high: 3, size: 41 };

export interface BananaData {
  full: Dataset;
  identity: DataIdentity;
}

/** The banana points (a local file or the verified download) and their identity. */
export async function loadBananaData(options: Pick<BananaOptions, 'dataPath' | 'cacheDir'>): Promise<BananaData> {
  const full = await loadBanana({ ...(options.dataPath ? { path: options.dataPath } : {}), ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) });
  return { full, identity: dataIdentity('banana', full.x, full.y) };
}

function rows(d: Dataset): number[][] {
  return Array.from({ length: d.numExamples }, (_, i) => Array.from(d.x.subarray(i * d.numFeatures, (i + 1) * d.numFeatures)));
}

/**
 * Figure 3: 1000 banana points, 80/20 split, standardized on train; 10 ReLU units and a sigmoid
 * output, BCE, Adam, batch 128, up to 5000 epochs, reduce-LR x0.1 (patience 50) and early stopping
 * (patience 100) on validation accuracy. The reference validates on the test split
 * (`--protocol paper`); by default we carve a validation split from the training part.
 */
export async function runBanana(options: BananaOptions, completed: BananaMethodResult[] = [], loaded?: BananaData): Promise<BananaResult> {
  const { full } = loaded ?? (await loadBananaData(options));
  const split = bananaExperiment(full, { seed: options.seed, validationFraction: options.protocol === 'validation' ? 0.2 : 0 });
  const validation = options.protocol === 'paper' ? split.test : split.validation!;
  const step = (GRID.high - GRID.low) / (GRID.size - 1);
  const axis = Array.from({ length: GRID.size }, (_, i) => GRID.low + i * step);
  const gridPoints = axis.flatMap((x2) => axis.map((x1) => [x1, x2]));
  const grid = tf.tensor2d(gridPoints);
  const probabilities = new Map<string, number[]>();
  const spec: TrainSpec = {
    buildModel: (method) => mlp({ inputDim: 2, hidden: [10], head: 'sigmoid', parameterization: method, seed: options.seed }),
    train: split.train,
    validation,
    test: split.test,
    fit: { epochs: options.epochs, batchSize: 128, loss: 'binaryCrossentropy', metrics: ['accuracy'], seed: options.seed },
    schedule: { monitor: 'val_accuracy', factor: 0.1, reducePatience: 50, stopPatience: 100 },
    testMetric: 'accuracy',
    ...(options.signal ? { signal: options.signal } : {}),
    inspect: (method, model, phase) => {
      if (phase !== 'final') return;
      const p = model.predict(grid);
      probabilities.set(method, Array.from(p.dataSync()));
      p.dispose();
    },
  };
  const results: BananaMethodResult[] = [...completed];
  try {
    for (const method of options.methods) {
      if (results.some((r) => r.method === method)) continue;
      const learningRate = paperLearningRate(method);
      const fingerprint = methodFingerprint(options.fingerprint, method, learningRate);
      const outcome = await trainMethod(spec, { method, learningRate, fingerprint }, path.join(options.out, 'checkpoints', method), options.resume);
      const stability = await stabilityRun(spec, method, 0.1, options.stabilitySteps, 'maxAngleChange');
      const result: BananaMethodResult = { ...outcome, stability, gridProbability: probabilities.get(method) ?? [] };
      results.push(result);
      options.onMethod?.(result);
      options.log(`${result.label}: test accuracy ${result.testMetric.toFixed(3)} after ${result.epochs} epochs (${result.stopReason}), ${result.wallSeconds.toFixed(1)} s; stability max angle change at lr 0.1: ${stability.max.toFixed(1)}°`);
    }
  } finally {
    grid.dispose();
  }
  return {
    test: { x: rows(split.test), y: Array.from(split.test.y) },
    grid: { x1: axis, x2: axis, step },
    methods: results,
  };
}
