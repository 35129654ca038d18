import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { carveValidation, levy, levyFunction, type Dataset } from '@geoparam/datasets';
import { mlp } from '@geoparam/models';
import type { ParameterizationName } from '@geoparam/parameterizations';
import { dataIdentity, methodFingerprint, type DataIdentity } from './fingerprints';
import { paperLearningRate } from './methods';
import { stabilityRun, trainMethod, type ExperimentOptions, type MethodOutcome, type StabilityOutcome, type TrainSpec } from './runner';

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
  methods: LevyMethodResult[];
}

/** Paper numbers (Fig 2, test RMSE). */
export const LEVY_PAPER_RMSE: Partial<Record<ParameterizationName, number>> = { standard: 1.224, weightNorm: 1.2, batchNorm: 1.219, geometric: 0.496 };

export interface LevyData {
  data: ReturnType<typeof levy>;
  identity: DataIdentity;
}

/** The seed's Levy points and their identity (what the run's fingerprint records). */
export function loadLevyData(seed: number): LevyData {
  const data = levy({ seed });
  return { data, identity: dataIdentity('levy', data.train.x, data.train.y, data.test.x, data.test.y) };
}

function columns(d: Dataset) {
  return { x: Array.from(d.x), y: Array.from(d.y) };
}

/**
 * Figure 2: 1-D Levy regression with one hidden layer of 100 ReLU units, Adam, MAE, full batch,
 * up to 10000 epochs, reduce-LR x0.1 after 500 flat epochs, early stopping after 1000 (best
 * weights restored). The reference watches the training loss; our default watches a validation
 * split carved from the 50 training points.
 */
export async function runLevy(options: LevyOptions, completed: LevyMethodResult[] = [], { data }: LevyData = loadLevyData(options.seed)): Promise<LevyResult> {
  let train = data.train;
  let validation: Dataset | undefined;
  if (options.protocol === 'validation') ({ train, validation } = carveValidation(data.train, { validationFraction: 0.2, seed: options.seed }));
  const gridX = tf.tensor2d(data.test.x, [data.test.numExamples, 1]);
  const predictions = new Map<string, number[]>();
  const spec: TrainSpec = {
    buildModel: (method) => mlp({ inputDim: 1, hidden: [100], parameterization: method, seed: options.seed }),
    train,
    ...(validation ? { validation } : {}),
    test: data.test,
    fit: { epochs: options.epochs, batchSize: 'full', loss: 'mae', metrics: ['rmse'], seed: options.seed },
    schedule: { monitor: options.protocol === 'paper' ? 'loss' : 'val_loss', factor: 0.1, reducePatience: 500, stopPatience: 1000 },
    testMetric: 'rmse',
    ...(options.signal ? { signal: options.signal } : {}),
    inspect: (method, model, phase) => {
      const out = model.predict(gridX);
      predictions.set(`${method}/${phase}`, Array.from(out.dataSync()));
      out.dispose();
    },
  };
  const results: LevyMethodResult[] = [...completed];
  try {
    for (const method of options.methods) {
      if (results.some((r) => r.method === method)) continue;
      const learningRate = paperLearningRate(method);
      const fingerprint = methodFingerprint(options.fingerprint, method, learningRate);
      const outcome = await trainMethod(spec, { method, learningRate, fingerprint }, path.join(options.out, 'checkpoints', method), options.resume);
      const stability = await stabilityRun(spec, method, 0.1, options.stabilitySteps, 'maxLocationShift');
      const result: LevyMethodResult = {
        ...outcome,
        stability,
        initialPrediction: predictions.get(`${method}/initial`) ?? [],
        finalPrediction: predictions.get(`${method}/final`) ?? [],
      };
      results.push(result);
      options.onMethod?.(result);
      options.log(`${result.label}: test RMSE ${result.testMetric.toFixed(3)} after ${result.epochs} epochs (${result.stopReason}), ${result.wallSeconds.toFixed(1)} s; stability max |Δφ| at lr 0.1: ${stability.max.toPrecision(3)}`);
    }
  } finally {
    gridX.dispose();
  }
  return {
    train: columns(train),
    validation: validation ? columns(validation) : null,
    grid: { x: Array.from(data.test.x), truth: Array.from(data.test.x, (x) => levyFunction(x)) },
    methods: results,
  };
}
