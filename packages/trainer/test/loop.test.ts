import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FingerprintMismatchError, GeoparamError, InvalidArgumentError, UnknownNameError, fingerprint } from '@geoparam/core';
import { mlp } from '@geoparam/models';
import {
  EarlyStopping,
  LambdaCallback,
  ModelCheckpoint,
  Monitor,
  ReduceLROnPlateau,
  UnknownMonitorKeyError,
  UnsizedDataError,
  evaluate,
  fit,
  metricDirection,
  registerMetricDirection,
  type FitOptions,
} from '@geoparam/trainer';
import { describeEachBackend } from '@geoparam/test-utils';
import { asTfData, baseOptions, clusters, linearData, tempDir, weightsOf } from './helpers';

const base = baseOptions(4);

describe('metric directions', () => {
  it('calls every top-k, accuracy and AUC-like metric "max" and losses and errors "min", with or without val_', () => {
    for (const key of ['top5', 'val_top5', 'top_3_accuracy', 'accuracy', 'val_accuracy', 'acc', 'binary_accuracy', 'auc', 'val_pr_auc', 'precision', 'recall', 'f1']) expect([key, metricDirection(key)]).toEqual([key, 'max']);
    for (const key of ['loss', 'val_loss', 'mae', 'val_mse', 'rmse', 'val_rmse', 'categorical_crossentropy', 'error_rate']) expect([key, metricDirection(key)]).toEqual([key, 'min']);
    // The vision runs' monitor: today's /acc/ rule made it "min" and restored the worst epoch.
    expect(new Monitor('val_top5').mode).toBe('max');
  });

  it('refuses to guess an unknown metric and learns registered ones', () => {
    expect(() => metricDirection('val_wobble')).toThrow(UnknownNameError);
    expect(() => new Monitor('wobble').mode).toThrow(/wobble/);
    expect(new Monitor('wobble', 'max').mode).toBe('max');
    registerMetricDirection('wobble', 'max');
    expect(metricDirection('val_wobble')).toBe('max');
    expect(() => registerMetricDirection('val_x', 'max')).toThrow(InvalidArgumentError);
    expect(() => registerMetricDirection('x', 'up' as never)).toThrow(InvalidArgumentError);
  });
});

describeEachBackend('the training loop', () => {
  it('monitors val_top5 as higher-is-better: the best epoch is the highest, and its weights are restored', async () => {
    const model = mlp({ inputDim: 2, hidden: [6], outputUnits: 8, head: 'softmax', seed: 2 });
    const stopper = new EarlyStopping({ monitor: 'val_top5', patience: 100, restoreBestWeights: true });
    const validation = clusters(64, 8, 9);
    const history = await fit(model, { train: clusters(128, 8), validation }, {
      epochs: 8,
      batchSize: 32,
      loss: 'softmaxCrossentropy',
      metrics: ['top5'],
      optimizer: { name: 'adam', learningRate: 0.03 },
      monitor: 'val_top5',
      callbacks: [stopper],
    });
    const top5 = history.history['val_top5']!;
    expect(Math.max(...top5)).toBeGreaterThan(Math.min(...top5));
    expect(stopper.bestValue).toBe(Math.max(...top5));
    expect((await evaluate(model, validation, { metrics: ['top5'] }))['top5']).toBe(Math.max(...top5));
    model.dispose();
  });

  it('names a monitor key that no epoch logs at the first epoch end, with the keys that exist', async () => {
    const data = { train: linearData(32), validation: linearData(16, 4) };
    const cases: [string, FitOptions['callbacks'], Partial<FitOptions>][] = [
      ['EarlyStopping', [new EarlyStopping({ monitor: 'val_los', patience: 2 })], {}],
      ['ReduceLROnPlateau', [new ReduceLROnPlateau({ monitor: 'val_rmsee', patience: 2 })], {}],
      ['ModelCheckpoint', [new ModelCheckpoint({ dir: path.join(os.tmpdir(), 'never-written'), monitor: 'val_accuracy', mode: 'max' })], {}],
      ['fit', [], { monitor: 'val_mae', monitorMode: 'min' }],
    ];
    for (const [who, callbacks, extra] of cases) {
      const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
      const epochs: number[] = [];
      const error = await fit(model, data, { ...base, ...extra, callbacks: [...(callbacks ?? []), new LambdaCallback({ onEpochBegin: (e) => void epochs.push(e) })] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownMonitorKeyError);
      expect((error as Error).message).toMatch(new RegExp(`^${who} monitors .*; the logs hold: loss, lr, val_loss, val_rmse$`));
      expect(epochs).toEqual([0]);
      model.dispose();
    }
  });

  it('never reads the device synchronously while training (losses are read with await data())', async () => {
    const model = mlp({ inputDim: 2, hidden: [8], parameterization: 'weightNorm', seed: 1 });
    const dataSync = jest.spyOn(tf.Tensor.prototype, 'dataSync');
    const arraySync = jest.spyOn(tf.Tensor.prototype, 'arraySync');
    const data = jest.spyOn(tf.Tensor.prototype, 'data');
    try {
      const history = await fit(model, { train: linearData(64), validation: linearData(16, 4) }, { ...base, epochs: 3, batchSize: 8, readEvery: 5 });
      expect(history.steps).toBe(24);
      expect(dataSync).not.toHaveBeenCalled();
      expect(arraySync).not.toHaveBeenCalled();
      // Per epoch: reads after steps 5 and 8 of 8, one validation read.
      expect(data).toHaveBeenCalledTimes(3 * 3);
    } finally {
      dataSync.mockRestore();
      arraySync.mockRestore();
      data.mockRestore();
    }
    model.dispose();
  });

  it('reports a non-finite loss at the step it happened, however rarely it reads, with the same weights restored', async () => {
    const runs = [];
    for (const readEvery of [1, 7, 1000]) {
      const model = mlp({ inputDim: 2, hidden: [8], seed: 2 });
      const batchLosses: (number | undefined)[] = [];
      const history = await fit(
        model,
        { train: linearData(64) },
        { ...base, epochs: 200, batchSize: 8, readEvery, optimizer: { name: 'sgd', learningRate: 3 }, callbacks: [new LambdaCallback({ onBatchEnd: (_, logs) => void batchLosses.push(logs?.['loss']) })] },
      );
      runs.push({ history, weights: await weightsOf(model), read: batchLosses.filter((l) => l !== undefined).length, batches: batchLosses.length });
      model.dispose();
    }
    for (const run of runs) {
      expect(run.history.stopReason).toBe('nonFinite');
      expect(run.history.steps).toBe(runs[0]!.history.steps);
      expect(run.history.message).toBe(runs[0]!.history.message);
      expect(run.history.history).toEqual(runs[0]!.history.history);
      expect(run.weights).toEqual(runs[0]!.weights);
    }
    // onBatchEnd sees the loss on the steps where it was read (every step with readEvery 1).
    expect(runs[0]!.read).toBe(runs[0]!.batches);
    expect(runs[2]!.read).toBe(0);
  });

  it('takes { x, y } tensors and gives the run a Dataset with the same values gives', async () => {
    const train = linearData(48);
    const validation = linearData(16, 5);
    const tensors = (d: typeof train) => ({ x: tf.tensor2d(d.x, [d.numExamples, 2]), y: tf.tensor1d(d.y as Float32Array) });
    const a = mlp({ inputDim: 2, hidden: [6], seed: 4 });
    const b = mlp({ inputDim: 2, hidden: [6], seed: 4 });
    const fromDataset = await fit(a, { train, validation }, base);
    const t = tensors(train);
    const v = tensors(validation);
    const fromTensors = await fit(b, { train: t, validation: v }, base);
    expect(fromTensors.history).toEqual(fromDataset.history);
    expect(await weightsOf(b)).toEqual(await weightsOf(a));
    expect(await evaluate(b, v, { loss: 'mse', metrics: ['mae'] })).toEqual(await evaluate(a, validation, { loss: 'mse', metrics: ['mae'] }));
    const short = tf.zeros([3]);
    await expect(fit(b, { train: { x: t.x, y: short } }, base)).rejects.toThrow(/data.train.y must have shape \[48\]/);
    tf.dispose([t.x, t.y, v.x, v.y, short]);
    [a, b].forEach((m) => m.dispose());
  });

  it('trains on a tf.data dataset of { xs, ys } batches and evaluates one', async () => {
    const train = linearData(48);
    const validation = linearData(20, 5);
    const model = mlp({ inputDim: 2, hidden: [6], seed: 4 });
    const batches: number[] = [];
    const history = await fit(model, { train: asTfData(train, 16), validation: asTfData(validation, 8) }, { ...base, epochs: 3, callbacks: [{ onBatchEnd: (b: number) => void batches.push(b) }] });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(history.steps).toBe(9);
    expect(batches).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const fromStream = await evaluate(model, asTfData(validation, 8), { loss: 'mse', metrics: ['rmse'] });
    const fromDataset = await evaluate(model, validation, { loss: 'mse', metrics: ['rmse'] });
    expect(fromStream['loss']).toBeCloseTo(fromDataset['loss']!, 5);
    expect(fromStream['rmse']).toBeCloseTo(fromDataset['rmse']!, 5);
    expect(history.history['val_loss']![2]).toBeCloseTo(fromDataset['loss']!, 5);
    // No known size: full-batch training does not apply, and says so.
    await expect(fit(model, { train: asTfData(train, 16) }, { ...base, batchSize: 'full' })).rejects.toThrow(UnsizedDataError);
    await expect(fit(model, { train: tfd.array([1, 2, 3]).batch(2) }, base)).rejects.toThrow(/data.train element 0 must be an object \{ xs: tf.Tensor, ys: tf.Tensor \}/);
    model.dispose();
  });

  it('refuses a mid-epoch resume from a tf.data dataset with a typed error', async () => {
    const dir = tempDir('loop');
    const stream = () => asTfData(linearData(48), 16);
    const controller = new AbortController();
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const partial = await fit(model, { train: stream() as never }, { ...base, checkpointDir: dir, signal: controller.signal, callbacks: [{ onBatchEnd: (b: number) => void (b === 1 && controller.abort()) }] });
    expect(partial.stopReason).toBe('interrupted');
    const error = await fit(model, { train: stream() as never }, { ...base, resumeFrom: dir, callbacks: [{ onBatchEnd: () => undefined }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsizedDataError);
    expect((error as Error).message).toMatch(/data.train is a tf.data dataset, whose size is unknown, so resuming in the middle of an epoch does not apply/);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs tfjs-style callback objects (any subset of hooks, called on the object) and names anything else', async () => {
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const calls: string[] = [];
    const hooks = {
      tag: 'mine',
      onTrainBegin() {
        calls.push(`trainBegin:${this.tag}`);
      },
      async onEpochBegin(epoch: number) {
        calls.push(`epochBegin ${epoch}`);
      },
      onBatchBegin: (batch: number) => void calls.push(`batchBegin ${batch}`),
      onBatchEnd: (batch: number) => void calls.push(`batchEnd ${batch}`),
      onEpochEnd: (epoch: number, logs?: Record<string, number>) => void calls.push(`epochEnd ${epoch} ${Object.keys(logs ?? {}).join(',')}`),
      onTrainEnd: (logs?: Record<string, number>) => void calls.push(`trainEnd ${typeof logs?.['loss']}`),
    };
    const onlyEpochEnd: number[] = [];
    await fit(model, { train: linearData(32) }, { ...base, epochs: 2, callbacks: [hooks, { onEpochEnd: (epoch: number) => void onlyEpochEnd.push(epoch) }] });
    expect(calls).toEqual([
      'trainBegin:mine',
      'epochBegin 0',
      'batchBegin 0',
      'batchEnd 0',
      'batchBegin 1',
      'batchEnd 1',
      'epochEnd 0 loss,lr',
      'epochBegin 1',
      'batchBegin 0',
      'batchEnd 0',
      'batchBegin 1',
      'batchEnd 1',
      'epochEnd 1 loss,lr',
      'trainEnd number',
    ]);
    expect(onlyEpochEnd).toEqual([0, 1]);
    await expect(fit(model, { train: linearData(8) }, { ...base, callbacks: [42 as never] })).rejects.toThrow(/options.callbacks\[0\] must be a Callback or an object with any of onTrainBegin/);
    await expect(fit(model, { train: linearData(8) }, { ...base, callbacks: [{ onEpochEnd: 3 } as never] })).rejects.toThrow(/options.callbacks\[0\].onEpochEnd must be a function, got "number"/);
    await expect(fit(model, { train: linearData(8) }, { ...base, callbacks: [{ onEpochFinish: () => 1 } as never] })).rejects.toThrow(/got "an object with keys \[onEpochFinish\]"/);
    model.dispose();
  });

  it("uses a caller's tf.Optimizer without disposing it, and disposes the one it creates even when it fails", async () => {
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const optimizer = tf.train.sgd(0.05);
    const reducer = new ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 10 });
    const first = await fit(model, { train: linearData(32) }, { ...base, optimizer, callbacks: [reducer] });
    expect(first.history['lr']![0]).toBe(0.05);
    expect(reducer.reductions.length).toBeGreaterThan(0);
    // Still the caller's, still usable: a second run continues with it.
    const second = await fit(model, { train: linearData(32) }, { ...base, epochs: 1, optimizer });
    expect(second.history['lr']![0]).toBe(reducer.reductions[reducer.reductions.length - 1]!.learningRate);
    const before = tf.memory().numTensors;
    optimizer.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);

    const adam = tf.train.adam(0.01);
    await fit(model, { train: linearData(32) }, { ...base, epochs: 1, optimizer: adam });
    const slots = await adam.getWeights();
    expect(slots.length).toBeGreaterThan(1);
    tf.dispose(slots.filter((w) => w.name === 'iter').map((w) => w.tensor));
    adam.dispose();

    // Created by fit, and fit fails at the first epoch end: nothing is left behind.
    const count = tf.memory().numTensors;
    await expect(fit(model, { train: linearData(32) }, { ...base, callbacks: [new EarlyStopping({ monitor: 'val_loss', patience: 1 })] })).rejects.toThrow(UnknownMonitorKeyError);
    expect(tf.memory().numTensors).toBe(count);

    // An optimizer without a learning rate: a learning-rate callback says why it cannot work.
    const opaque = tf.train.sgd(0.01);
    Object.defineProperty(opaque, 'learningRate', { value: undefined });
    const error = await fit(model, { train: linearData(32) }, { ...base, optimizer: opaque, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 1, minDelta: 10 })] }).catch((e: unknown) => e);
    expect((error as GeoparamError).code).toBe('NO_LEARNING_RATE');
    opaque.dispose();
    await expect(fit(model, { train: linearData(8) }, { ...base, optimizer: 'adam' as never })).rejects.toThrow(/options.optimizer must be a tf.Optimizer or \{ name: "adam" \| "sgd", learningRate \}, got "adam"/);
    await expect(fit(model, { train: 7 as never }, base)).rejects.toThrow(/data.train must be a Dataset, a BatchSource, \{ x: tf.Tensor, y: tf.Tensor \} or a tf.data.Dataset of \{ xs, ys \}, got "number 7"/);
    model.dispose();
  });

  it('stores the fingerprint in the checkpoint and refuses to resume under a different one, naming the fields', async () => {
    const dir = tempDir('loop');
    const data = { train: linearData(64), validation: linearData(16, 8) };
    const seed0 = fingerprint({ experiment: 'levy', seed: 0, epochs: 4 });
    const seed1 = fingerprint({ experiment: 'levy', seed: 1, epochs: 4 });
    const controller = new AbortController();
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const partial = await fit(model, data, { ...base, fingerprint: seed0, checkpointDir: dir, signal: controller.signal, callbacks: [{ onBatchEnd: (b: number) => void (b === 1 && controller.abort()) }] });
    expect(partial.stopReason).toBe('interrupted');
    const stored = JSON.parse(fs.readFileSync(path.join(dir, 'training.json'), 'utf8'));
    expect(stored.fingerprint).toEqual({ hash: seed0.hash, fields: seed0.fields });
    const refused = await fit(model, data, { ...base, fingerprint: seed1, resumeFrom: dir, callbacks: [{ onBatchEnd: () => undefined }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FingerprintMismatchError);
    expect((refused as Error).message).toMatch(/seed/);
    expect((refused as Error).message).toMatch(/drop resumeFrom/);
    const resumed = await fit(model, data, { ...base, fingerprint: seed0, resumeFrom: dir, callbacks: [{ onBatchEnd: () => undefined }] });
    expect(resumed.stopReason).toBe('completed');
    expect(resumed.steps).toBe(16);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}, { asyncReads: true });
