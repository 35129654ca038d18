import * as tf from '@tensorflow/tfjs-core';
import { mlp, type Model } from '@geoparam/models';
import { CabTracker, Callback, EarlyStopping, LambdaCallback, ReduceLROnPlateau, fit, fitStacked, type History, type StackedFitOptions } from '@geoparam/trainer';
import { ShapeMismatchError } from '@geoparam/core';
import { describeEachBackend } from '@geoparam/test-utils';
import { LONG_RUNS, linearData } from './helpers';

const METHODS = ['standard', 'weightNorm', 'batchNorm', 'meanOnlyBatchNorm', 'geometric'] as const;

/** Every weight, in key order. */
async function flat(model: Model): Promise<Float32Array> {
  const w = model.getWeights();
  const keys = Object.keys(w).sort();
  const values = Float32Array.from((await Promise.all(keys.map((k) => w[k]!.data()))).flatMap((v) => Array.from(v)));
  tf.dispose(Object.values(w));
  return values;
}

function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

interface Run {
  history: History;
  weights: Float32Array;
  reductions: { epoch: number; learningRate: number }[];
}

const member = (k: number, method: string) => ({
  build: () => mlp({ inputDim: 2, hidden: [6], parameterization: method, outputParameterization: method === 'weightNorm' ? 'weightNorm' : 'standard', seed: 40 + k }),
  // Different data per member (its own split), the same size (lockstep batches).
  train: linearData(60, 10 + k),
  validation: linearData(20, 30 + k),
  seed: 7 + k,
  learningRate: [0.05, 0.02, 0.1, 0.03][k % 4]!,
});

const schedule = () => {
  const reduce = new ReduceLROnPlateau({ monitor: 'val_mse', factor: 0.5, patience: 2 });
  return { reduce, callbacks: [reduce, new EarlyStopping({ monitor: 'val_mse', patience: 4, restoreBestWeights: true })] };
};

const options: StackedFitOptions = { epochs: 30, batchSize: 16, loss: 'mae', metrics: ['mse'], optimizer: { name: 'adam', learningRate: 0.05 }, monitor: 'val_mse' };

/** Stops its run inside an epoch, after a given number of steps. */
class StopAfterSteps extends Callback {
  constructor(private readonly steps: number) {
    super();
  }

  override onBatchEnd(): void {
    if (this.context.step >= this.steps) this.context.stop('callback', `stopped after ${this.steps} steps`);
  }
}

/** Reads the model through the view every epoch: its predictions, and (once) resets the output layer in place. */
class ModelReader extends Callback {
  readonly predictions: number[][] = [];

  override async onEpochEnd(epoch: number): Promise<void> {
    const model = this.context.model;
    const prediction = tf.tidy(() => model.predict(tf.tensor2d([0.5, -1, 2, 0.25], [2, 2])));
    this.predictions.push(Array.from(await prediction.data()));
    prediction.dispose();
    if (epoch === 1) {
      const output = model.layers[model.layers.length - 1]! as unknown as { getWeights(): Record<string, tf.Tensor>; setWeights(w: Record<string, tf.Tensor>): void };
      const weights = output.getWeights();
      const halved = Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, tf.mul(v, 0.5)]));
      output.setWeights(halved);
      tf.dispose([...Object.values(weights), ...Object.values(halved)]);
    }
  }
}

async function separate(method: string, k: number): Promise<Run> {
  const m = member(k, method);
  const model = m.build();
  const { reduce, callbacks } = schedule();
  const history = await fit(model, { train: m.train, validation: m.validation }, { ...options, optimizer: { name: 'adam', learningRate: m.learningRate }, seed: m.seed, callbacks });
  const run = { history, weights: await flat(model), reductions: reduce.reductions };
  model.dispose();
  return run;
}

async function stacked(method: string, k: number): Promise<Run[]> {
  const specs = Array.from({ length: k }, (_, i) => member(i, method));
  const schedules = specs.map(() => schedule());
  const models = specs.map((s) => s.build());
  const histories = await fitStacked(
    specs.map((s, i) => ({ model: models[i]!, train: s.train, validation: s.validation, seed: s.seed, learningRate: s.learningRate, callbacks: schedules[i]!.callbacks })),
    options,
  );
  const runs = await Promise.all(histories.map(async (history, i) => ({ history, weights: await flat(models[i]!), reductions: schedules[i]!.reduce.reductions })));
  models.forEach((m) => m.dispose());
  return runs;
}

describeEachBackend('fitStacked', ({ backend }) => {
  // Stacking changes no member's arithmetic, only how kernels are batched. On wasm SP, WN, BN and
  // MBN members are bitwise equal to their own runs, GmP within 6e-7 (its layer folds r into
  // kernel and bias only while every r > 0, decided over all K members' units when stacked: the
  // same function, rounded differently). The cpu backend's batched matMul sums in another order
  // (~2e-7 per member), which BN's batch statistics at batch 16 amplify over the epochs (~1e-2).
  const tolerance = (method: string) => (backend === 'cpu' && method === 'batchNorm' ? 5e-2 : 1e-5);

  it.each(METHODS)('equals separate fit runs, member by member (%s)', async (method) => {
    const k = 4;
    const together = await stacked(method, k);
    const tol = tolerance(method);
    const stops = new Set<number>();
    for (let i = 0; i < k; i++) {
      const alone = await separate(method, i);
      const mine = together[i]!;
      expect(mine.history.epoch).toEqual(alone.history.epoch);
      expect(mine.history.stopReason).toBe(alone.history.stopReason);
      expect(mine.history.steps).toBe(alone.history.steps);
      expect(mine.reductions).toEqual(alone.reductions);
      expect(maxRelativeDifference(mine.history.history['val_mse']!, alone.history.history['val_mse']!)).toBeLessThan(tol);
      expect(maxRelativeDifference(mine.history.history['loss']!, alone.history.history['loss']!)).toBeLessThan(tol);
      expect(mine.history.history['lr']).toEqual(alone.history.history['lr']);
      expect(maxRelativeDifference(mine.weights, alone.weights)).toBeLessThan(tol);
      stops.add(mine.history.epoch.length);
    }
    // The case worth testing: members stop at different epochs, after different LR reductions.
    expect(stops.size).toBeGreaterThan(1);
  });

  it('stops a diverging member with its best weights, like fit, and keeps the others going', async () => {
    const specs = [member(0, 'standard'), { ...member(1, 'standard'), learningRate: 1e30 }];
    const models = specs.map((s) => s.build());
    const histories = await fitStacked(
      specs.map((s, i) => ({ model: models[i]!, train: s.train, validation: s.validation, seed: s.seed, learningRate: s.learningRate })),
      { ...options, epochs: 5 },
    );
    const alone = mlp({ inputDim: 2, hidden: [6], seed: 41 });
    const separateHistory = await fit(alone, { train: specs[1]!.train, validation: specs[1]!.validation }, { ...options, epochs: 5, optimizer: { name: 'adam', learningRate: 1e30 }, seed: specs[1]!.seed });
    expect(histories[1]!.stopReason).toBe('nonFinite');
    expect(histories[1]!.stopReason).toBe(separateHistory.stopReason);
    expect(histories[1]!.steps).toBe(separateHistory.steps);
    expect(Array.from(await flat(models[1]!)).every(Number.isFinite)).toBe(true);
    expect(maxRelativeDifference(await flat(models[1]!), await flat(alone))).toBeLessThan(tolerance('standard'));
    expect(histories[0]!.stopReason).toBe('completed');
    expect(histories[0]!.epoch).toHaveLength(5);
    [...models, alone].forEach((m) => m.dispose());
  });

  it('lets a callback stop one member inside an epoch, which still ends that epoch like fit', async () => {
    const specs = [member(0, 'geometric'), member(1, 'geometric')];
    const models = specs.map((s) => s.build());
    const histories = await fitStacked(
      specs.map((s, i) => ({ model: models[i]!, train: s.train, validation: s.validation, seed: s.seed, ...(i === 1 ? { callbacks: [new StopAfterSteps(6)] } : {}) })),
      { ...options, epochs: 4 },
    );
    const alone = specs[1]!.build();
    const own = await fit(alone, { train: specs[1]!.train, validation: specs[1]!.validation }, { ...options, epochs: 4, seed: specs[1]!.seed, callbacks: [new StopAfterSteps(6)] });
    expect(histories[1]!.stopReason).toBe('callback');
    expect(histories[1]!.steps).toBe(6);
    expect(histories[1]!.epoch).toEqual(own.epoch);
    expect(maxRelativeDifference(histories[1]!.history['val_mse']!, own.history['val_mse']!)).toBeLessThan(tolerance('geometric'));
    expect(maxRelativeDifference(await flat(models[1]!), await flat(alone))).toBeLessThan(tolerance('geometric'));
    expect(histories[0]!.steps).toBe(16);
    [...models, alone].forEach((m) => m.dispose());
  });

  it("shows each member's callbacks the member's current model: a CabTracker and a model reader see what a separate run shows", async () => {
    const specs = [member(0, 'geometric'), member(1, 'geometric'), member(2, 'geometric')];
    const models = specs.map((s) => s.build());
    const trackers = specs.map(() => new CabTracker({ every: 'step', maxRecords: 10 }));
    const readers = specs.map(() => new ModelReader());
    await fitStacked(
      specs.map((s, i) => ({ model: models[i]!, train: s.train, validation: s.validation, seed: s.seed, learningRate: s.learningRate, callbacks: [trackers[i]!, readers[i]!] })),
      { ...options, epochs: 4 },
    );
    for (let i = 0; i < specs.length; i++) {
      const alone = specs[i]!.build();
      const tracker = new CabTracker({ every: 'step', maxRecords: 10 });
      const reader = new ModelReader();
      await fit(alone, { train: specs[i]!.train, validation: specs[i]!.validation }, { ...options, epochs: 4, seed: specs[i]!.seed, optimizer: { name: 'adam', learningRate: specs[i]!.learningRate }, callbacks: [tracker, reader] });
      const stacked = trackers[i]!;
      expect(stacked.records.length).toBe(tracker.records.length);
      // Real boundaries that move: not the initial ones over and over.
      expect(Math.max(...stacked.stability.map((r) => r.maxLocationShift))).toBeGreaterThan(1e-4);
      stacked.records.forEach((record, r) => expect(maxRelativeDifference(record.layers[0]!.location.flat(), tracker.records[r]!.layers[0]!.location.flat())).toBeLessThan(1e-4));
      stacked.stability.forEach((record, r) => expect(record.maxAngleChange).toBeCloseTo(tracker.stability[r]!.maxAngleChange, 2));
      expect(readers[i]!.predictions.length).toBe(4);
      readers[i]!.predictions.forEach((p, e) => expect(maxRelativeDifference(p, reader.predictions[e]!)).toBeLessThan(1e-4));
      // The in-place change made through the view's layers reached the stacked weights.
      expect(maxRelativeDifference(await flat(models[i]!), await flat(alone))).toBeLessThan(1e-4);
      alone.dispose();
    }
    models.forEach((m) => m.dispose());
  });

  it('keeps the live tensor count flat over many stacked steps', async () => {
    const specs = [0, 1, 2].map((k) => member(k, 'batchNorm'));
    const models = specs.map((s) => s.build());
    const counts: number[] = [];
    const atEpochEnd: number[] = [];
    const probe = new LambdaCallback({ onBatchEnd: () => void counts.push(tf.memory().numTensors) });
    const epochProbe = new LambdaCallback({ onEpochEnd: () => void atEpochEnd.push(tf.memory().numTensors) });
    const before = tf.memory().numTensors;
    await fitStacked(
      specs.map((s, i) => ({ model: models[i]!, train: s.train, validation: s.validation, seed: s.seed, ...(i === 0 ? { callbacks: [probe] } : {}) })),
      { ...options, epochs: 12, readEvery: 1 },
    );
    expect(counts.length).toBe(12 * 4);
    expect(new Set(counts.slice(8)).size).toBe(1);
    // Batched reads (the default): flat from epoch to epoch.
    await fitStacked(
      specs.map((s, i) => ({ model: models[i]!, train: s.train, validation: s.validation, seed: s.seed, ...(i === 0 ? { callbacks: [epochProbe] } : {}) })),
      { ...options, epochs: 12, monitor: 'val_loss' },
    );
    expect(atEpochEnd.length).toBe(12);
    expect(new Set(atEpochEnd.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    models.forEach((m) => m.dispose());
  });

  it('refuses members that cannot share batches or layers', async () => {
    const a = member(0, 'standard');
    const models = [a.build(), mlp({ inputDim: 2, hidden: [5], seed: 1 }), a.build()];
    await expect(fitStacked(models.slice(0, 2).map((model) => ({ model, train: a.train })), options)).rejects.toThrow(/configuration/);
    await expect(fitStacked([{ model: models[0]!, train: a.train }, { model: models[2]!, train: linearData(50) }], options)).rejects.toThrow(/examples/);
    models.forEach((m) => m.dispose());
  });

  it("refuses models whose outputs do not match the targets' width before any step, leaking nothing", async () => {
    const data = linearData(32);
    const models = [0, 1].map((seed) => mlp({ inputDim: 2, hidden: [5], outputUnits: 3, seed }));
    const before = tf.memory().numTensors;
    let steps = 0;
    const counting = { onBatchEnd: () => void steps++ };
    const attempt = fitStacked(models.map((model) => ({ model, train: data, callbacks: [counting] })), options);
    await expect(attempt).rejects.toThrow(ShapeMismatchError);
    await expect(fitStacked(models.map((model) => ({ model, train: data })), options)).rejects.toThrow(/members\[0\]\.train/);
    expect(steps).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    models.forEach((m) => m.dispose());
  });
}, LONG_RUNS);
