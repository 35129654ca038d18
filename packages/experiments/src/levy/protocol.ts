import * as tf from '@tensorflow/tfjs-core';
import { carveValidation, levy, levyFunction, type DataDraw, type Dataset } from '@geoparam/datasets';
import type { ParameterizationName } from '@geoparam/parameterizations';
import { InvalidArgumentError } from '@geoparam/core';
import type { EvaluationProtocol, Protocol } from '../protocol';
import { runStudy, type PreparedStudy, type StudyDraw, type StudyMethodResult, type StudyOptions, type StudyProgress } from '../study/run-study';
import { seedRange, type SeedRun, type StudyNetwork, type StudyTraining, type StudyTrainSpec } from '../study/runs';
import type { StudyFacts } from '../study/aggregate';

/** Paper numbers (Fig 2, test RMSE). */
export const LEVY_PAPER_RMSE: Partial<Record<ParameterizationName, number>> = { standard: 1.224, weightNorm: 1.2, batchNorm: 1.219, geometric: 0.496 };

/** `reproduce levy`'s defaults: the paper's schedule, 5 initializations, the training loss watched as the reference does. */
export const LEVY_DEFAULTS = { epochs: 10000, stabilitySteps: 1000, seeds: 5, protocol: 'paper' as Protocol };

/** How Levy's tables, notes and figures name things. */
export const LEVY_STUDY: StudyFacts = {
  experiment: 'levy',
  title: 'Levy',
  metricKey: 'testRmse',
  metricName: 'test RMSE',
  paper: LEVY_PAPER_RMSE,
  drawNotes: {
    reference: "reference: the notebook's points, np.random.seed(S), uniform(-10, 10, [50, 1]), then normal(0, 0.1, [50, 1])",
    own: "own: geoparam's SeedStream (not the notebook's points)",
  },
  protocolNotes: {
    validation: 'validation: LR schedule and early stopping watch the loss on 20% of the training points, held out',
    paper: 'paper: LR schedule and early stopping watch the training loss, as the reference notebook does (the test grid is never looked at)',
  },
  stabilityMetric: 'max location shift |Δφ| per step',
  stabilityColumn: 'max |Δφ|, lr 0.1',
};

/** A Levy method's result: its showcase and stability runs, and the test-grid predictions before and after training. */
export interface LevyMethodResult extends StudyMethodResult {
  /** The showcase run's predictions on the test grid before training. */
  initialPrediction: number[];
  /** The showcase run's predictions on the test grid after training. */
  finalPrediction: number[];
}

/** What a Levy study gives: the first draw's data (for figures), every method's result and every run's. */
export interface LevyResult {
  /** The first draw's training points. */
  train: { x: number[]; y: number[] };
  /** Its held-out validation points (`validation` protocol), else null. */
  validation: { x: number[]; y: number[] } | null;
  /** The test grid and the noise-free Levy function on it. */
  grid: { x: number[]; truth: number[] };
  /** The showcase run of each method (draw S, initialization S), with predictions and trajectories. */
  methods: LevyMethodResult[];
  /** Every run's result: the showcase runs first, then the others. */
  runs: SeedRun[];
  /** How much the runs trained on per epoch. */
  training: StudyTraining;
}

/** Figure 2's network: one hidden layer of 100 ReLU units, a linear output. */
export const LEVY_NETWORK: StudyNetwork = { inputDim: 1, hidden: [100], head: 'linear' };

/** One data draw's Levy points: 50 noisy training points and the noise-free test grid. */
export interface LevyDraw {
  /** numpy's seed of the draw (`reference`) or the SeedStream's (`own`). */
  dataSeed: number;
  /** The training points and the test grid. */
  data: { train: Dataset; test: Dataset };
}

/** The Levy points of draws S…S+M−1 (`reference`: the notebook's numpy draws). */
export function levyDraws(seed: number, dataSeeds: number, draw: DataDraw): LevyDraw[] {
  return seedRange(seed, dataSeeds).map((dataSeed) => ({ dataSeed, data: levy({ seed: dataSeed, draw }) }));
}

function columns(d: Dataset) {
  return { x: Array.from(d.x), y: Array.from(d.y) };
}

/**
 * How one draw trains under Figure 2's protocol: `LEVY_NETWORK`, Adam, MAE,
 * full batch, up to `epochs`, reduce-LR ×0.1 after 500 flat epochs, early stopping after 1000
 * (best weights restored). `paper` watches the training loss, as the reference does; `validation`
 * watches 20% of the 50 training points, held out.
 */
export function levyTrainSpec(draw: LevyDraw, options: { epochs: number; protocol: EvaluationProtocol; signal?: AbortSignal }): StudyTrainSpec & { train: Dataset; validation?: Dataset } {
  // The paper protocol already trains on all 50 points, watching nothing held out.
  if (options.protocol === 'refit') throw new InvalidArgumentError('protocol', options.protocol, 'validation or paper (refit is for Banana and Table 1)');
  const split = options.protocol === 'validation' ? carveValidation(draw.data.train, { validationFraction: 0.2, seed: draw.dataSeed }) : { train: draw.data.train };
  return {
    network: LEVY_NETWORK,
    ...split,
    test: draw.data.test,
    fit: { epochs: options.epochs, batchSize: 'full', loss: 'mae', metrics: ['rmse'] },
    schedule: { monitor: options.protocol === 'paper' ? 'loss' : 'val_loss', factor: 0.1, reducePatience: 500, stopPatience: 1000 },
    testMetric: 'rmse',
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** What a Levy result shows of the first draw's data. */
export type LevyFigureData = Pick<LevyResult, 'train' | 'validation' | 'grid'>;

/**
 * Figure 2's study over `draws`, ready to train: each draw's spec (`levyTrainSpec`), whose
 * `inspect` keeps the showcase run's test-grid predictions for its method's result.
 */
export function levyStudy(options: { epochs: number; protocol: EvaluationProtocol; signal?: AbortSignal }, draws: readonly LevyDraw[]): PreparedStudy<LevyMethodResult, LevyFigureData> {
  const first = draws[0]!;
  const predictions = new Map<string, number[]>();
  const inspect: StudyTrainSpec['inspect'] = async (method, model, phase) => {
    const out = model.predict(gridX);
    try {
      predictions.set(`${method}/${phase}`, Array.from(await out.data()));
    } finally {
      out.dispose();
    }
  };
  // The specs first: a protocol Levy does not offer throws before any tensor exists.
  const specs = draws.map((draw) => ({ dataSeed: draw.dataSeed, spec: { ...levyTrainSpec(draw, options), inspect } }) satisfies StudyDraw);
  const gridX = tf.tensor2d(first.data.test.x, [first.data.test.numExamples, 1]);
  const firstSpec = specs[0]!.spec;
  return {
    draws: specs,
    protocol: {
      metricName: 'test RMSE',
      stabilityMetric: 'maxLocationShift',
      describeStability: (s) => `stability max |Δφ| at lr 0.1: ${s.max.toPrecision(3)}`,
      result: (base) => ({ ...base, initialPrediction: predictions.get(`${base.method}/initial`) ?? [], finalPrediction: predictions.get(`${base.method}/final`) ?? [] }),
    },
    figureData: {
      train: columns(firstSpec.train),
      validation: firstSpec.validation ? columns(firstSpec.validation) : null,
      grid: { x: Array.from(first.data.test.x), truth: Array.from(first.data.test.x, (x) => levyFunction(x)) },
    },
    dispose: () => gridX.dispose(),
  };
}

/**
 * Figure 2: per method, every (draw, initialization) run of the Levy regression, each draw's runs
 * as one stacked computation; on draw S the showcase run (initialization S) keeps the test-grid
 * predictions and CAB trajectory, and the stability run (lr 0.1, `stabilitySteps` steps) records
 * each step's largest CAB location shift. `done` (from an interrupted run) is not trained again.
 */
export async function runLevy(options: StudyOptions<LevyMethodResult>, done?: StudyProgress<LevyMethodResult>, draws: readonly LevyDraw[] = levyDraws(options.seed, options.dataSeeds, options.dataDraw)): Promise<LevyResult> {
  const study = levyStudy(options, draws);
  try {
    const { methods, runs, training } = await runStudy(options, study.draws, study.protocol, done);
    return { ...study.figureData, methods, runs, training };
  } finally {
    study.dispose();
  }
}
