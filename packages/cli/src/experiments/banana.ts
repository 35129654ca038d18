import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { bananaExperiment, loadBanana, type Dataset } from '@geoparam/datasets';
import { mlp } from '@geoparam/models';
import type { ParameterizationName } from '@geoparam/parameterizations';
import { dataIdentity, methodFingerprint, type DataIdentity } from './fingerprints';
import { METHOD_LABELS } from '../labels';
import { paperLearningRate } from './methods';
import { seedRange, showcaseRun, stabilityRun, trainMethod, trainSeeds, type ExperimentOptions, type MethodOutcome, type SeedRun, type StabilityOutcome, type StabilityPending, type TrainSpec } from './runner';

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
  /** The showcase run of each method (draw S, initialization S). */
  methods: BananaMethodResult[];
  /** Every run's result: the showcase runs first, then the stacked ones. */
  runs: SeedRun[];
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
 * Per method: the showcase run (draw S, initialization S) keeps the decision grid and CAB
 * trajectories and is followed by the stability run; the other runs train stacked.
 */
export async function runBanana(options: BananaOptions, completed: (BananaMethodResult | StabilityPending<BananaMethodResult>)[] = [], completedRuns: SeedRun[] = [], loaded?: BananaData): Promise<BananaResult> {
  const { full } = loaded ?? (await loadBananaData(options));
  const initSeeds = seedRange(options.seed, options.seeds);
  const draws = seedRange(options.seed, options.dataSeeds).map((dataSeed) => {
    const split = bananaExperiment(full, { seed: dataSeed, draw: options.dataDraw, validationFraction: options.protocol === 'validation' ? 0.2 : 0 });
    return { dataSeed, train: split.train, validation: options.protocol === 'paper' ? split.test : split.validation!, test: split.test };
  });
  const first = draws[0]!;
  const step = (GRID.high - GRID.low) / (GRID.size - 1);
  const axis = Array.from({ length: GRID.size }, (_, i) => GRID.low + i * step);
  const gridPoints = axis.flatMap((x2) => axis.map((x1) => [x1, x2]));
  const grid = tf.tensor2d(gridPoints);
  const probabilities = new Map<string, number[]>();
  const specFor = (draw: (typeof draws)[number]): TrainSpec => ({
    buildModel: (method, seed) => mlp({ inputDim: 2, hidden: [10], head: 'sigmoid', parameterization: method, seed }),
    train: draw.train,
    validation: draw.validation,
    test: draw.test,
    fit: { epochs: options.epochs, batchSize: 128, loss: 'binaryCrossentropy', metrics: ['accuracy'] },
    schedule: { monitor: 'val_accuracy', factor: 0.1, reducePatience: 50, stopPatience: 100 },
    testMetric: 'accuracy',
    ...(options.signal ? { signal: options.signal } : {}),
    inspect: async (method, model, phase) => {
      if (phase !== 'final') return;
      const p = model.predict(grid);
      try {
        probabilities.set(method, Array.from(await p.data()));
      } finally {
        p.dispose();
      }
    },
  });
  const results: (BananaMethodResult | StabilityPending<BananaMethodResult>)[] = [...completed];
  const runs: SeedRun[] = [...completedRuns];
  try {
    for (const method of options.methods) {
      const learningRate = paperLearningRate(method);
      const earlier = results.find((r) => r.method === method);
      if (!earlier?.stability) {
        const spec = specFor(first);
        // Kept (partial.json) before the stability run: an interrupt there loses only that run.
        let trained = earlier;
        if (!trained) {
          const fingerprint = methodFingerprint(options.fingerprint, method, learningRate);
          const outcome = await trainMethod(spec, { method, learningRate, seed: options.seed, fingerprint }, path.join(options.out, 'checkpoints', method), options.resume);
          trained = { ...outcome, stability: null, gridProbability: probabilities.get(method) ?? [] };
          results.push(trained);
          options.onMethod?.(trained);
        }
        const stability = await stabilityRun(spec, method, options.seed, 0.1, options.stabilitySteps, 'maxAngleChange');
        const result: BananaMethodResult = { ...trained, stability };
        results[results.indexOf(trained)] = result;
        options.onMethod?.(result);
        options.log(`${result.label}: test accuracy ${result.testMetric.toFixed(3)} after ${result.epochs} epochs (${result.stopReason}), ${result.wallSeconds.toFixed(1)} s; stability max angle change at lr 0.1: ${stability.max.toFixed(1)}°`);
      }
      for (const draw of draws) {
        const showcase = draw === first ? [options.seed] : [];
        const todo = initSeeds.filter((seed) => !showcase.includes(seed) && !runs.some((r) => r.method === method && r.dataSeed === draw.dataSeed && r.initSeed === seed));
        const group = await trainSeeds(specFor(draw), method, learningRate, draw.dataSeed, todo);
        if (group.length === 0) continue;
        runs.push(...group);
        options.onRuns?.(group);
        options.log(`${METHOD_LABELS[method] ?? method}, data draw ${draw.dataSeed}: test accuracy ${group.map((r) => r.testMetric.toFixed(3)).join(', ')} (initializations ${todo.join(', ')}, stacked)`);
      }
    }
  } finally {
    grid.dispose();
  }
  return {
    test: { x: rows(first.test), y: Array.from(first.test.y) },
    grid: { x1: axis, x2: axis, step },
    // Every method ran its stability run by now (an interrupt throws).
    methods: results as BananaMethodResult[],
    runs: [...(results as BananaMethodResult[]).map((r) => showcaseRun(r, options.seed)), ...runs],
  };
}
