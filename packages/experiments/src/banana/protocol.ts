import * as tf from '@tensorflow/tfjs-core';
import { bananaExperiment, type DataDraw, type Dataset } from '@geoparam/datasets';
import type { ParameterizationName } from '@geoparam/parameterizations';
import type { EvaluationProtocol } from '../protocol';
import { runStudy, type PreparedStudy, type StudyDraw, type StudyMethodResult, type StudyOptions, type StudyProgress } from '../study/run-study';
import { seedRange, type SeedRun, type StudyNetwork, type StudyTraining, type StudyTrainSpec } from '../study/runs';
import type { StudyFacts } from '../study/aggregate';

/** Paper numbers (Fig 3, test accuracy). */
export const BANANA_PAPER_ACCURACY: Partial<Record<ParameterizationName, number>> = { standard: 0.8, weightNorm: 0.81, batchNorm: 0.875, geometric: 0.885 };

/** `reproduce banana`'s defaults: the paper's schedule, 5 initializations, a validation split carved from the training part. */
export const BANANA_DEFAULTS = { epochs: 5000, stabilitySteps: 100, seeds: 5, protocol: 'validation' as EvaluationProtocol };

/** Figure 3's network: one hidden layer of 10 ReLU units, a sigmoid output. */
export const BANANA_NETWORK: StudyNetwork = { inputDim: 2, hidden: [10], head: 'sigmoid' };

/** The decision grid of the boundary figure: 41 × 41 points on [-3, 3]² (standardized inputs). */
export const BANANA_GRID = { low: -3, high: 3, size: 41 };

/** How Banana's tables, notes and figures name things. */
export const BANANA_STUDY: StudyFacts = {
  experiment: 'banana',
  title: 'Banana',
  metricKey: 'testAccuracy',
  metricName: 'test accuracy',
  paper: BANANA_PAPER_ACCURACY,
  drawNotes: {
    reference: "reference: np.random.seed(S), np.random.choice(5300, 1000, replace=False), train_test_split(test_size=0.2, random_state=S)",
    own: "own: geoparam's SeedStream (not the notebook's points or split)",
  },
  protocolNotes: {
    validation: 'validation: LR schedule and early stopping watch accuracy on 20% of the training split, held out',
    paper: 'paper: LR schedule and early stopping watch the TEST split, as the reference notebook does (optimistic test accuracy)',
    refit:
      'refit: each run first trains as under validation, which gives its best-validation epoch and the epochs where its LR dropped; it is then retrained from the same initialization on the whole training split (more data per epoch: more steps per epoch) for that many epochs with the same drops, and that model is tested (the test split is never watched)',
  },
  stabilityMetric: 'max CAB angle change per step (degrees)',
  stabilityColumn: 'max angle°, lr 0.1',
};

/** A Banana method's result: its showcase and stability runs, and P(class 1) on the decision grid after training. */
export interface BananaMethodResult extends StudyMethodResult {
  /** P(class 1) at each point of `BANANA_GRID`, row by row. */
  gridProbability: number[];
}

/** What a Banana study gives: the first draw's test points and grid (for figures), every method's result and every run's. */
export interface BananaResult {
  /** The first draw's test points and labels (standardized). */
  test: { x: number[][]; y: number[] };
  /** The decision grid's axes and spacing. */
  grid: { x1: number[]; x2: number[]; step: number };
  /** The showcase run of each method (draw S, initialization S). */
  methods: BananaMethodResult[];
  /** Every run's result: the showcase runs first, then the others. */
  runs: SeedRun[];
  /** How much the runs trained on per epoch (under refit: also the refit runs). */
  training: StudyTraining;
}

function rows(d: Dataset): number[][] {
  return Array.from({ length: d.numExamples }, (_, i) => Array.from(d.x.subarray(i * d.numFeatures, (i + 1) * d.numFeatures)));
}

/**
 * How draw `dataSeed` trains under Figure 3's protocol: 1000 of the banana points, 80/20 split,
 * standardized on the training part; `BANANA_NETWORK`, BCE, Adam, batch 128, up
 * to `epochs`, reduce-LR ×0.1 (patience 50) and early stopping (patience 100) on validation
 * accuracy. `paper` validates on the test split, as the reference does (optimistic); `validation`
 * on 20% of the training split, held out; `refit` does as `validation`, then retrains on the whole
 * training split (standardized on itself, as the test split then is).
 */
export function bananaTrainSpec(full: Dataset, dataSeed: number, options: { epochs: number; protocol: EvaluationProtocol; dataDraw: DataDraw; signal?: AbortSignal }): StudyTrainSpec & { validation: Dataset } {
  const draw = { seed: dataSeed, draw: options.dataDraw };
  const split = bananaExperiment(full, { ...draw, validationFraction: options.protocol === 'paper' ? 0 : 0.2 });
  // The same points and 80/20 split, uncarved: what a refit trains on.
  const whole = options.protocol === 'refit' ? bananaExperiment(full, draw) : undefined;
  return {
    network: BANANA_NETWORK,
    train: split.train,
    validation: options.protocol === 'paper' ? split.test : split.validation!,
    test: whole ? whole.test : split.test,
    fit: { epochs: options.epochs, batchSize: 128, loss: 'binaryCrossentropy', metrics: ['accuracy'] },
    schedule: { monitor: 'val_accuracy', factor: 0.1, reducePatience: 50, stopPatience: 100 },
    testMetric: 'accuracy',
    ...(whole ? { refit: { train: whole.train } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** What a Banana result shows of the first draw's data. */
export type BananaFigureData = Pick<BananaResult, 'test' | 'grid'>;

/**
 * Figure 3's study on `full` (the 5300 banana points, `loadBanana`) over draws `dataSeeds`, ready
 * to train: each draw's spec (`bananaTrainSpec`), whose `inspect` keeps the showcase run's
 * P(class 1) on the decision grid for its method's result.
 */
export function bananaStudy(options: { epochs: number; protocol: EvaluationProtocol; dataDraw: DataDraw; signal?: AbortSignal }, full: Dataset, dataSeeds: readonly number[]): PreparedStudy<BananaMethodResult, BananaFigureData> {
  const step = (BANANA_GRID.high - BANANA_GRID.low) / (BANANA_GRID.size - 1);
  const axis = Array.from({ length: BANANA_GRID.size }, (_, i) => BANANA_GRID.low + i * step);
  const probabilities = new Map<string, number[]>();
  const inspect: StudyTrainSpec['inspect'] = async (method, model, phase) => {
    if (phase !== 'final') return;
    const p = model.predict(grid);
    try {
      probabilities.set(method, Array.from(await p.data()));
    } finally {
      p.dispose();
    }
  };
  const specs = dataSeeds.map((dataSeed) => ({ dataSeed, spec: { ...bananaTrainSpec(full, dataSeed, options), inspect } }) satisfies StudyDraw);
  const grid = tf.tensor2d(axis.flatMap((x2) => axis.map((x1) => [x1, x2])));
  const test = specs[0]!.spec.test;
  return {
    draws: specs,
    protocol: {
      metricName: 'test accuracy',
      stabilityMetric: 'maxAngleChange',
      describeStability: (s) => `stability max angle change at lr 0.1: ${s.max.toFixed(1)}°`,
      result: (base) => ({ ...base, gridProbability: probabilities.get(base.method) ?? [] }),
    },
    figureData: { test: { x: rows(test), y: Array.from(test.y) }, grid: { x1: axis, x2: axis, step } },
    dispose: () => grid.dispose(),
  };
}

/**
 * Figure 3 on `full` (the 5300 banana points, `loadBanana`): per method, every (draw,
 * initialization) run, each draw's runs as one stacked computation; on draw S the showcase run
 * (initialization S) keeps the decision grid and CAB trajectory, and the stability run (lr 0.1,
 * `stabilitySteps` steps) records each step's largest CAB angle change. `done` (from an
 * interrupted run) is not trained again.
 */
export async function runBanana(options: StudyOptions<BananaMethodResult>, full: Dataset, done?: StudyProgress<BananaMethodResult>): Promise<BananaResult> {
  const study = bananaStudy(options, full, seedRange(options.seed, options.dataSeeds));
  try {
    const { methods, runs, training } = await runStudy(options, study.draws, study.protocol, done);
    return { ...study.figureData, methods, runs, training };
  } finally {
    study.dispose();
  }
}
