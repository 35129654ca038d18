import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { mlp, loadModel, CheckpointError } from '@geoparam/models';
import {
  CabTracker,
  CsvLogger,
  EarlyStopping,
  JsonLogger,
  LambdaCallback,
  ModelCheckpoint,
  ProgressBar,
  ReduceLROnPlateau,
  evaluate,
  fit,
  type FitOptions,
} from '@geoparam/trainer';
import { describeEachBackend } from '@geoparam/test-utils';
import { LONG_RUNS, baseOptions, blobs, linearData, tempDir, weightsOf } from './helpers';

const base = baseOptions(8);

describeEachBackend('fit', () => {
  it('learns, reports history, and repeats exactly for a seed', async () => {
    const data = { train: linearData(96), validation: linearData(32, 9) };
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const model = mlp({ inputDim: 2, hidden: [16], parameterization: 'gmp', seed: 5 });
      const history = await fit(model, data, base);
      runs.push({ history, weights: await weightsOf(model) });
      model.dispose();
    }
    const h = runs[0]!.history;
    expect(h.stopReason).toBe('completed');
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(h.steps).toBe(8 * 6);
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'lr', 'val_loss', 'val_rmse']);
    expect(h.history['val_loss']![7]!).toBeLessThan(h.history['val_loss']![0]! / 2);
    expect(runs[1]!.history.history).toEqual(h.history);
    expect(runs[1]!.weights).toEqual(runs[0]!.weights);
  });

  it('keeps the live tensor count flat over many steps, for every parameterization', async () => {
    for (const parameterization of ['standard', 'weightNorm', 'batchNorm', 'meanOnlyBatchNorm', 'geometric']) {
      // Read every step: nothing waits on the device, so the count after each step is the same.
      const model = mlp({ inputDim: 2, hidden: [8], parameterization, imn: true, seed: 1 });
      const counts: number[] = [];
      const probe = new LambdaCallback({ onBatchEnd: () => void counts.push(tf.memory().numTensors) });
      const before = tf.memory().numTensors;
      await fit(model, { train: linearData(64), validation: linearData(16, 4) }, { ...base, epochs: 6, batchSize: 8, readEvery: 1, callbacks: [probe] });
      expect(tf.memory().numTensors).toBe(before);
      // Adam creates its slots on the first step; after that, nothing may accumulate.
      expect(new Set(counts.slice(1))).toEqual(new Set([counts[1]]));
      expect(counts.length).toBe(48);
      model.dispose();
    }
  });

  it('keeps the live tensor count flat over many epochs with batched loss reads', async () => {
    // Default readEvery (32) over 8 steps an epoch: losses wait on the device within an epoch,
    // at most one per pending step, and are all read at its end.
    const model = mlp({ inputDim: 2, hidden: [8], parameterization: 'geometric', seed: 1 });
    const atEpochEnd: number[] = [];
    const atBatchEnd: number[] = [];
    const probe = new LambdaCallback({ onBatchEnd: () => void atBatchEnd.push(tf.memory().numTensors), onEpochEnd: () => void atEpochEnd.push(tf.memory().numTensors) });
    const before = tf.memory().numTensors;
    await fit(model, { train: linearData(64), validation: linearData(16, 4) }, { ...base, epochs: 30, batchSize: 8, callbacks: [probe] });
    expect(tf.memory().numTensors).toBe(before);
    expect(new Set(atEpochEnd.slice(1)).size).toBe(1);
    for (let epoch = 1; epoch < 30; epoch++) atBatchEnd.slice(epoch * 8, (epoch + 1) * 8).forEach((count, i) => expect(count).toBe(atBatchEnd[8]! + i));
    model.dispose();
  });

  it('stops on a non-finite loss with a clear message and the best weights restored', async () => {
    const model = mlp({ inputDim: 2, hidden: [8], seed: 2 });
    const snapshots: number[][] = [];
    const recorder = new LambdaCallback({ onEpochEnd: async () => void snapshots.push(await weightsOf(model)) });
    const history = await fit(
      model,
      { train: linearData(64) },
      { ...base, epochs: 200, batchSize: 64, optimizer: { name: 'sgd', learningRate: 3 }, callbacks: [recorder] },
    );
    expect(history.stopReason).toBe('nonFinite');
    expect(history.message).toMatch(/loss became (NaN|Infinity) at epoch \d+, step \d+; restored the weights of/);
    const losses = history.history['loss']!;
    const bestEpoch = losses.indexOf(Math.min(...losses));
    expect(await weightsOf(model)).toEqual(snapshots[bestEpoch]);
    const finite = tf.tidy(() => tf.all(tf.isFinite(model.predict(tf.ones([2, 2])))));
    expect((await finite.data())[0]).toBe(1);
    finite.dispose();
    model.dispose();
  });

  it('early-stops with the best weights restored and reduces the learning rate on a plateau', async () => {
    const model = mlp({ inputDim: 2, hidden: [8], seed: 4 });
    const stopper = new EarlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
    const reducer = new ReduceLROnPlateau({ monitor: 'val_loss', patience: 2, factor: 0.5, minDelta: 0 });
    // A learning rate this high makes validation loss bounce, so both callbacks fire.
    const history = await fit(model, { train: linearData(32), validation: linearData(32, 7) }, { ...base, epochs: 300, batchSize: 4, optimizer: { name: 'adam', learningRate: 0.3 }, callbacks: [reducer, stopper] });
    expect(history.stopReason).toBe('earlyStopping');
    expect(history.message).toMatch(/no improvement of val_loss for 3 epochs/);
    expect(reducer.reductions.length).toBeGreaterThan(0);
    const lrs = history.history['lr']!;
    expect(lrs[lrs.length - 1]).toBeLessThan(0.3);
    const finalLoss = (await evaluate(model, linearData(32, 7), { loss: 'mse' }))['loss']!;
    expect(finalLoss).toBeCloseTo(stopper.bestValue, 5);
    model.dispose();
  });

  it('resumes an interrupted run to exactly the result of an uninterrupted one', async () => {
    const data = { train: linearData(64), validation: linearData(16, 8) };
    const options: FitOptions = { ...base, epochs: 6, batchSize: 16 };
    const reference = mlp({ inputDim: 2, hidden: [8], parameterization: 'gmp', seed: 6 });
    const full = await fit(reference, data, { ...options, callbacks: [new EarlyStopping({ patience: 50, restoreBestWeights: true })] });

    const dir = tempDir('trainer');
    const controller = new AbortController();
    const first = mlp({ inputDim: 2, hidden: [8], parameterization: 'gmp', seed: 6 });
    const interrupter = new LambdaCallback({ onBatchEnd: () => void (first && stepCount++ === 9 && controller.abort()) });
    let stepCount = 0;
    const partial = await fit(first, data, {
      ...options,
      checkpointDir: dir,
      signal: controller.signal,
      callbacks: [new EarlyStopping({ patience: 50, restoreBestWeights: true }), interrupter],
    });
    expect(partial.stopReason).toBe('interrupted');
    expect(partial.message).toMatch(/checkpoint written to/);
    expect(fs.existsSync(path.join(dir, 'training.json'))).toBe(true);
    first.dispose();

    // A fresh process would build the model again from its recipe and continue.
    const resumed = mlp({ inputDim: 2, hidden: [8], parameterization: 'gmp', seed: 99 });
    const rest = await fit(resumed, data, {
      ...options,
      resumeFrom: dir,
      callbacks: [new EarlyStopping({ patience: 50, restoreBestWeights: true }), new LambdaCallback({})],
    });
    expect(rest.stopReason).toBe('completed');
    expect(rest.steps).toBe(full.steps);
    expect(rest.history['val_loss']!.length).toBe(6);
    rest.history['val_loss']!.forEach((v, i) => expect(v).toBeCloseTo(full.history['val_loss']![i]!, 5));
    const a = await weightsOf(resumed);
    const b = await weightsOf(reference);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    resumed.dispose();
    reference.dispose();

    // A damaged checkpoint is refused, not half-loaded.
    const optimizerFile = path.join(dir, 'optimizer.bin');
    const bytes = fs.readFileSync(optimizerFile);
    bytes[0] = bytes[0]! ^ 1;
    fs.writeFileSync(optimizerFile, bytes);
    const again = mlp({ inputDim: 2, hidden: [8], parameterization: 'gmp', seed: 6 });
    await expect(fit(again, data, { ...options, resumeFrom: dir, callbacks: [new EarlyStopping({ patience: 50 }), new LambdaCallback({})] })).rejects.toThrow(CheckpointError);
    const other = mlp({ inputDim: 2, hidden: [9], seed: 6 });
    await expect(fit(other, data, { ...options, resumeFrom: dir, callbacks: [new EarlyStopping({ patience: 50 }), new LambdaCallback({})] })).rejects.toThrow(/different model architecture/);
    again.dispose();
    other.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('logs to CSV and JSON, checkpoints the best model, and tracks CABs per step', async () => {
    const dir = tempDir('trainer');
    const model = mlp({ inputDim: 2, hidden: [5], head: 'sigmoid', parameterization: 'gmp', seed: 7 });
    const tracker = new CabTracker({ every: 'step' });
    const history = await fit(model, { train: blobs(40), validation: blobs(20, 5) }, {
      epochs: 3,
      batchSize: 10,
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
      optimizer: { name: 'adam', learningRate: 0.05 },
      callbacks: [
        new CsvLogger(path.join(dir, 'log.csv')),
        new JsonLogger(path.join(dir, 'log.jsonl')),
        new ModelCheckpoint({ dir: path.join(dir, 'best'), monitor: 'val_accuracy' }),
        tracker,
      ],
    });
    const csv = fs.readFileSync(path.join(dir, 'log.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('epoch,loss,lr,val_loss,val_accuracy');
    expect(csv).toHaveLength(4);
    const jsonl = fs.readFileSync(path.join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(jsonl[2].val_accuracy).toBe(history.history['val_accuracy']![2]);
    const { model: best } = await loadModel(path.join(dir, 'best'));
    best.dispose();
    expect(tracker.records).toHaveLength(1 + 12);
    expect(tracker.records[0]!.layers[0]!.location).toHaveLength(5);
    expect(tracker.stability).toHaveLength(12);
    expect(tracker.stability.every((s) => s.maxAngleChange >= 0 && s.maxLocationShift >= 0)).toBe(true);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws a progress bar on a terminal and stays quiet otherwise', async () => {
    const quiet = new PassThrough() as unknown as NodeJS.WriteStream;
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }) as unknown as NodeJS.WriteStream;
    let written = '';
    (tty as unknown as PassThrough).on('data', (d) => (written += d.toString()));
    let quietOut = '';
    (quiet as unknown as PassThrough).on('data', (d) => (quietOut += d.toString()));
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    await fit(model, { train: linearData(16) }, { ...base, epochs: 3, callbacks: [new ProgressBar({ stream: quiet }), new ProgressBar({ stream: tty, label: 'GmP' })] });
    expect(quietOut).toBe('');
    expect(written).toMatch(/GmP .*3\/3 epochs \| ETA .* \| loss \d+\.\d+ .*ms\/step/);
    model.dispose();
  });

  it('rejects bad options by name', async () => {
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const train = linearData(8);
    await expect(fit(model, { train }, { ...base, epochs: 0 })).rejects.toThrow(/epochs must be a positive integer, got 0/);
    await expect(fit(model, { train }, { ...base, batchSize: -2 })).rejects.toThrow(/batchSize must be a positive integer, got -2/);
    await expect(fit(model, { train }, { ...base, loss: 'hinge' as never })).rejects.toThrow(/unknown loss "hinge"/);
    await expect(fit(model, { train }, { ...base, metrics: ['auc' as never] })).rejects.toThrow(/unknown metric "auc"/);
    await expect(fit(model, { train }, { ...base, optimizer: { name: 'adam', learningRate: -1 } })).rejects.toThrow(/optimizer.learningRate must be a positive finite number, got -1/);
    await expect(fit(model, { train: { ...train, numFeatures: 3 } }, base)).rejects.toThrow(/data.train must be a Dataset/);
    model.dispose();
  });
}, LONG_RUNS);
