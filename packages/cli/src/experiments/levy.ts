import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { carveValidation, levy, levyFunction, type DataDraw, type Dataset } from '@geoparam/datasets';
import { mlp } from '@geoparam/models';
import type { ParameterizationName } from '@geoparam/parameterizations';
import { dataIdentity, methodFingerprint, type DataIdentity } from './fingerprints';
import { METHOD_LABELS } from '../labels';
import { paperLearningRate } from './methods';
import { seedRange, showcaseRun, stabilityRun, trainMethod, trainSeeds, type ExperimentOptions, type MethodOutcome, type SeedRun, type StabilityOutcome, type StabilityPending, type TrainSpec } from './runner';

export type LevyOptions = ExperimentOptions<LevyMethodResult>;

export interface LevyMethodResult extends MethodOutcome {
  stability: StabilityOutcome;
  /** Test-grid predictions before and after training. */
  initialPrediction: number[];
  finalPrediction: number[];
}

export interface LevyResult {
  train: { x: number[]; y: number[] };
  validation: { x: number[]; y: number[] } | null;
  grid: { x: number[]; truth: number[] };
  /** The showcase run of each method (draw S, initialization S), with predictions and trajectories. */
  methods: LevyMethodResult[];
  /** Every run's result: the showcase runs first, then the stacked ones. */
  runs: SeedRun[];
}

/** Paper numbers (Fig 2, test RMSE). */
export const LEVY_PAPER_RMSE: Partial<Record<ParameterizationName, number>> = { standard: 1.224, weightNorm: 1.2, batchNorm: 1.219, geometric: 0.496 };

export interface LevyData {
  /** One per data draw S…S+M−1. */
  draws: { dataSeed: number; data: ReturnType<typeof levy> }[];
  identity: DataIdentity;
}

/** The Levy points of every draw and their identity (what the run's fingerprint records). */
export function loadLevyData(seed: number, dataSeeds: number, draw: DataDraw): LevyData {
  const draws = seedRange(seed, dataSeeds).map((dataSeed) => ({ dataSeed, data: levy({ seed: dataSeed, draw }) }));
  const arrays = draws.flatMap(({ data }) => [data.train.x, data.train.y, data.test.x, data.test.y]);
  return { draws, identity: dataIdentity('levy', ...arrays) };
}

function columns(d: Dataset) {
  return { x: Array.from(d.x), y: Array.from(d.y) };
}

/**
 * Figure 2: 1-D Levy regression with one hidden layer of 100 ReLU units, Adam, MAE, full batch,
 * up to 10000 epochs, reduce-LR x0.1 after 500 flat epochs, early stopping after 1000 (best
 * weights restored). `paper` (the default) watches the training loss, as the reference does;
 * `validation` watches a validation split carved from the 50 training points.
 * Per method: the showcase run (draw S, initialization S) keeps predictions and CAB trajectories
 * and is followed by the stability run; the other initializations of draw S, and all of the other
 * draws, train stacked.
 */
export async function runLevy(
  options: LevyOptions,
  completed: (LevyMethodResult | StabilityPending<LevyMethodResult>)[] = [],
  completedRuns: SeedRun[] = [],
  loaded: LevyData = loadLevyData(options.seed, options.dataSeeds, options.dataDraw),
): Promise<LevyResult> {
  const initSeeds = seedRange(options.seed, options.seeds);
  const draws = loaded.draws.map(({ dataSeed, data }) => {
    let train = data.train;
    let validation: Dataset | undefined;
    if (options.protocol === 'validation') ({ train, validation } = carveValidation(data.train, { validationFraction: 0.2, seed: dataSeed }));
    return { dataSeed, train, validation, test: data.test };
  });
  const first = draws[0]!;
  const gridX = tf.tensor2d(first.test.x, [first.test.numExamples, 1]);
  const predictions = new Map<string, number[]>();
  const specFor = (draw: (typeof draws)[number]): TrainSpec => ({
    buildModel: (method, seed) => mlp({ inputDim: 1, hidden: [100], parameterization: method, seed }),
    train: draw.train,
    ...(draw.validation ? { validation: draw.validation } : {}),
    test: draw.test,
    fit: { epochs: options.epochs, batchSize: 'full', loss: 'mae', metrics: ['rmse'] },
    schedule: { monitor: options.protocol === 'paper' ? 'loss' : 'val_loss', factor: 0.1, reducePatience: 500, stopPatience: 1000 },
    testMetric: 'rmse',
    ...(options.signal ? { signal: options.signal } : {}),
    inspect: async (method, model, phase) => {
      const out = model.predict(gridX);
      try {
        predictions.set(`${method}/${phase}`, Array.from(await out.data()));
      } finally {
        out.dispose();
      }
    },
  });
  const results: (LevyMethodResult | StabilityPending<LevyMethodResult>)[] = [...completed];
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
          trained = {
            ...outcome,
            stability: null,
            initialPrediction: predictions.get(`${method}/initial`) ?? [],
            finalPrediction: predictions.get(`${method}/final`) ?? [],
          };
          results.push(trained);
          options.onMethod?.(trained);
        }
        const stability = await stabilityRun(spec, method, options.seed, 0.1, options.stabilitySteps, 'maxLocationShift');
        const result: LevyMethodResult = { ...trained, stability };
        results[results.indexOf(trained)] = result;
        options.onMethod?.(result);
        options.log(`${result.label}: test RMSE ${result.testMetric.toFixed(3)} after ${result.epochs} epochs (${result.stopReason}), ${result.wallSeconds.toFixed(1)} s; stability max |Δφ| at lr 0.1: ${stability.max.toPrecision(3)}`);
      }
      for (const draw of draws) {
        const showcase = draw === first ? [options.seed] : [];
        const todo = initSeeds.filter((seed) => !showcase.includes(seed) && !runs.some((r) => r.method === method && r.dataSeed === draw.dataSeed && r.initSeed === seed));
        const group = await trainSeeds(specFor(draw), method, learningRate, draw.dataSeed, todo);
        if (group.length === 0) continue;
        runs.push(...group);
        options.onRuns?.(group);
        options.log(`${METHOD_LABELS[method] ?? method}, data draw ${draw.dataSeed}: test RMSE ${group.map((r) => r.testMetric.toFixed(3)).join(', ')} (initializations ${todo.join(', ')}, stacked)`);
      }
    }
  } finally {
    gridX.dispose();
  }
  return {
    train: columns(first.train),
    validation: first.validation ? columns(first.validation) : null,
    grid: { x: Array.from(first.test.x), truth: Array.from(first.test.x, (x) => levyFunction(x)) },
    // Every method ran its stability run by now (an interrupt throws).
    methods: results as LevyMethodResult[],
    runs: [...(results as LevyMethodResult[]).map((r) => showcaseRun(r, options.seed)), ...runs],
  };
}
