import '@geoparam/backend-wasm/register';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@geoparam/core';
import { loadBanana } from '@geoparam/datasets';
import { sharedData } from '@geoparam/test-utils';
import { CabTracker, EarlyStopping, ReduceLROnPlateau, evaluate, fit } from '@geoparam/trainer';
import {
  MLP_METHODS,
  STABILITY_LEARNING_RATE,
  buildStudyModel,
  levyDraws,
  levyTrainSpec,
  paperLearningRate,
  runBanana,
  runLevy,
  trainMethodRuns,
  type StudyTrainSpec,
} from '@geoparam/experiments';

function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

/** One seed trained with `fit` on its own, as the study did before it stacked every run of a method. */
async function alone(spec: StudyTrainSpec, method: (typeof MLP_METHODS)[number], seed: number) {
  const model = buildStudyModel(spec.network, method, seed);
  const tracker = new CabTracker({ every: 'epoch' });
  const s = spec.schedule;
  const history = await fit(model, { train: spec.train, ...(spec.validation ? { validation: spec.validation } : {}) }, {
    ...spec.fit,
    seed,
    optimizer: { name: 'adam', learningRate: paperLearningRate(method) },
    monitor: s.monitor,
    callbacks: [new ReduceLROnPlateau({ monitor: s.monitor, factor: s.factor, patience: s.reducePatience }), new EarlyStopping({ monitor: s.monitor, patience: s.stopPatience, restoreBestWeights: true }), tracker],
  });
  const rmse = (await evaluate(model, spec.test, { metrics: ['rmse'] }))['rmse']!;
  model.dispose();
  return { rmse, history, tracker };
}

/** The stability run on its own: `steps` full-batch steps at lr 0.1, every step's boundaries recorded. */
async function stabilityAlone(spec: StudyTrainSpec, method: (typeof MLP_METHODS)[number], steps: number) {
  const model = buildStudyModel(spec.network, method, 0);
  const tracker = new CabTracker({ every: 'step', maxRecords: steps, stabilityOnly: true });
  await fit(model, { train: spec.train }, { ...spec.fit, seed: 0, epochs: steps, optimizer: { name: 'adam', learningRate: STABILITY_LEARNING_RATE }, callbacks: [tracker] });
  model.dispose();
  return tracker.stability.map((s) => s.maxLocationShift);
}

describe('trainMethodRuns (every run of a method on one draw, one stacked computation)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  // `validation` with short patience: the schedule reduces and stops inside 60 epochs. `paper`
  // (the training loss) runs the full 60, and the stability run's 80 steps outlast them, so the
  // stack stops the seeds on their own budget.
  const draw = levyDraws(0, 1, 'reference')[0]!;
  const specs: Record<string, StudyTrainSpec> = {
    validation: { ...levyTrainSpec(draw, { epochs: 60, protocol: 'validation' }), schedule: { monitor: 'val_loss', factor: 0.1, reducePatience: 4, stopPatience: 8 } },
    paper: levyTrainSpec(draw, { epochs: 60, protocol: 'paper' }),
  };
  const cases = [...MLP_METHODS.map((m) => [m, 'validation'] as const), ['standard', 'paper'] as const, ['geometric', 'paper'] as const];

  const stopReasons = new Set<string>();
  afterAll(() => {
    // Both ways a run ends were compared: stopped early by its schedule, and stopped by its own budget inside a longer stack.
    expect([...stopReasons].sort()).toEqual(['completed', 'earlyStopping']);
  });

  it.each(cases)('gives each seed, the showcase trajectory and the stability run what runs of their own give (%s, %s)', async (method, protocol) => {
    const spec = specs[protocol]!;
    const before = tf.memory().numTensors;
    const stacked = await trainMethodRuns(spec, {
      method,
      learningRate: paperLearningRate(method),
      dataSeed: 0,
      seeds: [0, 1, 2],
      showcase: { seed: 0 },
      stability: { seed: 0, learningRate: STABILITY_LEARNING_RATE, steps: 80, metric: 'maxLocationShift' },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(stacked.runs.map((r) => [r.initSeed, r.stacked])).toEqual([[0, true], [1, true], [2, true]]);
    // Stacking changes how kernels are batched, not any member's arithmetic: float32 rounding only.
    for (const [k, seed] of [0, 1, 2].entries()) {
      const own = await alone(spec, method, seed);
      const run = stacked.runs[k]!;
      expect([run.epochs, run.stopReason]).toEqual([own.history.epoch.length, own.history.stopReason]);
      stopReasons.add(run.stopReason);
      expect(Math.abs(run.testMetric - own.rmse)).toBeLessThan(1e-4 * Math.max(1, own.rmse));
      if (seed === 0) {
        expect(stacked.showcase!.history.history['lr']).toEqual(own.history.history['lr']);
        expect(maxRelativeDifference(stacked.showcase!.history.history['loss']!, own.history.history['loss']!)).toBeLessThan(1e-4);
        const phi = (records: typeof own.tracker.records) => records.flatMap((r) => r.layers.flatMap((l) => l.location.flat()));
        expect(stacked.showcase!.trajectory).toHaveLength(own.tracker.records.length);
        expect(maxRelativeDifference(phi(stacked.showcase!.trajectory), phi(own.tracker.records))).toBeLessThan(1e-3);
      }
    }
    const stability = await stabilityAlone(spec, method, 80);
    expect(stacked.stability!.perStep).toHaveLength(80);
    expect(maxRelativeDifference(stacked.stability!.perStep, stability)).toBeLessThan(1e-3);
    expect(stacked.stability!.max).toBe(Math.max(...stacked.stability!.perStep));
  });
});

describe('runLevy and runBanana (the library protocols)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('runs Figure 2 from code and reuses what an interrupted run finished', async () => {
    const options = { seed: 0, seeds: 2, dataSeeds: 2, dataDraw: 'reference' as const, methods: ['standard', 'geometric'] as const, epochs: 20, protocol: 'paper' as const, stabilitySteps: 5 };
    const kept: string[] = [];
    const result = await runLevy({ ...options, methods: [...options.methods], onMethod: (m) => kept.push(m.method) });
    expect(kept).toEqual(['standard', 'geometric']);
    expect(result.train.x).toHaveLength(50);
    expect(result.grid.x).toHaveLength(201);
    expect(result.runs.map((r) => `${r.method} ${r.dataSeed}/${r.initSeed}`)).toEqual([
      'standard 0/0', 'geometric 0/0', 'standard 0/1', 'standard 1/0', 'standard 1/1', 'geometric 0/1', 'geometric 1/0', 'geometric 1/1',
    ]);
    for (const m of result.methods) {
      expect(m.initialPrediction).toHaveLength(201);
      expect(m.finalPrediction).toHaveLength(201);
      expect(m.stability.perStep).toHaveLength(5);
      expect(m.trajectory).toHaveLength(21);
    }
    // SP finished, GmP's first draw finished too, its second draw did not: only that draw trains again.
    const trained: string[] = [];
    const again = await runLevy(
      { ...options, methods: [...options.methods], onRuns: (runs) => trained.push(...runs.map((r) => `${r.method} ${r.dataSeed}/${r.initSeed}`)) },
      { methods: result.methods, runs: result.runs.filter((r) => !(r.method === 'geometric' && r.dataSeed === 1) && !(r.dataSeed === 0 && r.initSeed === 0)) },
    );
    expect(trained).toEqual(['geometric 1/0', 'geometric 1/1']);
    expect(again.runs.find((r) => r.method === 'standard' && r.dataSeed === 1 && r.initSeed === 1)).toEqual(result.runs.find((r) => r.method === 'standard' && r.dataSeed === 1 && r.initSeed === 1));
  });

  it('runs Figure 3 from code on the banana points', async () => {
    const full = await loadBanana({ path: sharedData('banana') });
    const result = await runBanana({ seed: 0, seeds: 2, dataSeeds: 1, dataDraw: 'reference', methods: ['geometric'], epochs: 3, protocol: 'validation', stabilitySteps: 12 }, full);
    expect(result.test.x).toHaveLength(200);
    expect(result.methods[0]!.gridProbability).toHaveLength(41 * 41);
    expect(result.methods[0]!.stability.perStep).toHaveLength(12);
    // An Adam step of size lr turns a GmP boundary by at most lr radians.
    expect(result.methods[0]!.stability.max).toBeLessThan(5.73 + 0.01);
    expect(result.runs.map((r) => r.initSeed)).toEqual([0, 1]);
  });
});
