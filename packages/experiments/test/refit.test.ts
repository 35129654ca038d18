import '@geoparam/backend-wasm/register';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, useBackend } from '@geoparam/core';
import { loadBanana, type Dataset } from '@geoparam/datasets';
import { sharedData } from '@geoparam/test-utils';
import { recorded } from './recorded-dataset';
import { Callback, evaluate, fit, type History } from '@geoparam/trainer';
import {
  NoBestEpochError,
  STABILITY_LEARNING_RATE,
  bananaTrainSpec,
  buildStudyModel,
  levyDraws,
  levyTrainSpec,
  paperLearningRate,
  plateauSchedule,
  refitBudget,
  refitCallbacks,
  studyTraining,
  trainMethodRuns,
  type StudyTrainSpec,
} from '@geoparam/experiments';

describe('Banana under --protocol refit', () => {
  let spec: StudyTrainSpec & { validation: Dataset };
  beforeAll(async () => {
    await useBackend('wasm');
    const full = await loadBanana({ path: sharedData('banana') });
    // Impatient drops (by half, so learning goes on) and a short stop: inside 60 epochs the validation runs drop their learning rate before their best epoch and stop early.
    spec = { ...bananaTrainSpec(full, 0, { epochs: 60, protocol: 'refit', dataDraw: 'reference' }), schedule: { monitor: 'val_accuracy', factor: 0.5, reducePatience: 1, stopPatience: 20 } };
  });

  it('validates on 20% of the training split and refits on all of it: more examples, more steps per epoch', () => {
    expect([spec.train.numExamples, spec.validation.numExamples, spec.refit!.train.numExamples, spec.test.numExamples]).toEqual([640, 160, 800, 200]);
    expect(studyTraining(spec)).toEqual({ examples: 640, stepsPerEpoch: 5, refit: { examples: 800, stepsPerEpoch: 7 } });
    // The refit's inputs are standardized on the whole training split (float32 mean 0), as the test split then is.
    const mean = (d: Dataset, j: number) => Array.from({ length: d.numExamples }, (_, i) => d.x[i * 2 + j]!).reduce((a, b) => a + b, 0) / d.numExamples;
    expect(Math.abs(mean(spec.refit!.train, 0))).toBeLessThan(1e-5);
    expect(Math.abs(mean(spec.refit!.train, 1))).toBeLessThan(1e-5);
    // Levy has no refit: its default protocol already trains on all 50 points.
    expect(() => levyTrainSpec(levyDraws(0, 1, 'reference')[0]!, { epochs: 5, protocol: 'refit' })).toThrow(InvalidArgumentError);
  });

  it('never reads the test split before the final evaluation', async () => {
    const log: string[] = [];
    const watched: StudyTrainSpec = {
      ...spec,
      train: recorded(spec.train, 'train', log),
      validation: recorded(spec.validation, 'validation', log),
      refit: { train: recorded(spec.refit!.train, 'refit', log) },
      test: recorded(spec.test, 'test', log),
    };
    const before = tf.memory().numTensors;
    const out = await trainMethodRuns(watched, {
      method: 'geometric',
      learningRate: paperLearningRate('geometric'),
      dataSeed: 0,
      seeds: [0, 1],
      showcase: { seed: 0 },
      stability: { seed: 0, learningRate: STABILITY_LEARNING_RATE, steps: 12, metric: 'maxAngleChange' },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(out.runs.every((r) => r.testMetric > 0.5 && r.testMetric <= 1)).toBe(true);
    // Validation runs, then refits, then the test split, once per run.
    expect(log.includes('test')).toBe(true);
    const firstTest = log.indexOf('test');
    expect(firstTest).toBeGreaterThan(log.lastIndexOf('refit'));
    expect(firstTest).toBeGreaterThan(log.lastIndexOf('validation'));
    expect(firstTest).toBeGreaterThan(log.lastIndexOf('train'));
    expect(log.lastIndexOf('train')).toBeLessThan(log.indexOf('refit'));
  });

  it('refuses to refit a run whose validation score was never finite: it has no best epoch', async () => {
    // NaN weights from the start: the first step's loss is not finite, fit stops before any epoch ends.
    class PoisonWeights extends Callback {
      override onTrainBegin(): void {
        const weights = this.context.model.getWeights();
        const nan = Object.fromEntries(Object.entries(weights).map(([k, w]) => [k, tf.fill(w.shape, Number.NaN)]));
        this.context.model.setWeights(nan);
        tf.dispose([...Object.values(weights), ...Object.values(nan)]);
      }
    }
    await expect(trainMethodRuns(spec, { method: 'standard', learningRate: 0.01, dataSeed: 0, seeds: [0], showcase: { seed: 0, callbacks: [new PoisonWeights()] } })).rejects.toThrow(NoBestEpochError);
  });

  it("refits each run from its own initialization for exactly its validation run's best epochs, with the same LR drops", async () => {
    const method = 'standard';
    const learningRate = paperLearningRate(method);
    const out = await trainMethodRuns(spec, { method, learningRate, dataSeed: 0, seeds: [0, 1, 2], showcase: { seed: 0 } });
    let dropped = 0;
    for (const [k, seed] of [0, 1, 2].entries()) {
      // The validation run on its own, with fit: what it records for its refit.
      const model = buildStudyModel(spec.network, method, seed);
      const schedule = plateauSchedule(spec.schedule);
      const history: History = await fit(model, { train: spec.train, validation: spec.validation }, { ...spec.fit, seed, optimizer: { name: 'adam', learningRate }, monitor: spec.schedule.monitor, callbacks: schedule.callbacks });
      model.dispose();
      const budget = refitBudget(schedule.read(history))!;
      const run = out.runs[k]!;
      expect(run.validationRun).toEqual({ epochs: history.epoch.length, stopReason: history.stopReason, bestEpoch: budget.epochs, lrDrops: budget.lrDrops });
      expect([run.epochs, run.stopReason]).toEqual([budget.epochs, 'completed']);
      dropped += budget.lrDrops.length;
      if (seed === 0) {
        // The refit's learning rate per epoch is the validation run's over its first best-epoch epochs.
        expect(out.showcase!.history.history['lr']).toEqual(history.history['lr']!.slice(0, budget.epochs));
        expect(out.showcase!.validationRun).toEqual(run.validationRun);
        expect(out.showcase!.trajectory).toHaveLength(budget.epochs + 1);
      }
      // The refit on its own, with fit, from the same initialization and batch order: the same model (float32 rounding).
      const refit = buildStudyModel(spec.network, method, seed);
      await fit(refit, { train: spec.refit!.train }, { ...spec.fit, epochs: budget.epochs, seed, optimizer: { name: 'adam', learningRate }, callbacks: refitCallbacks(budget, spec.schedule.factor) });
      const accuracy = (await evaluate(refit, spec.test, { metrics: ['accuracy'] }))['accuracy']!;
      refit.dispose();
      expect(Math.abs(accuracy - run.testMetric)).toBeLessThanOrEqual(1 / spec.test.numExamples + 1e-9);
    }
    // The comparison covered learning-rate drops, not only runs without any.
    expect(dropped).toBeGreaterThan(0);
  }, 120_000);
});
