import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackendMemoryError, ShapeMismatchError, toBackendMemoryError } from '@geoparam/core';
import { DatasetError } from '@geoparam/datasets';
import { CheckpointError, ModelDisposedError, mlp, saveModel } from '@geoparam/models';
import { LambdaCallback, NonFiniteEvaluationError, evaluate, fit, type FitOptions } from '@geoparam/trainer';
import { describeEachBackend } from '@geoparam/test-utils';
import { linearData } from './helpers';

const base: FitOptions = { epochs: 2, batchSize: 16, loss: 'mse', optimizer: { name: 'adam', learningRate: 0.01 }, seed: 1 };

// describeEachBackend fails a test that leaves tensors behind: each refusal below also leaks nothing.
describeEachBackend('checks before training', () => {
  it('names the set, row and column of a NaN or Infinity before any step', async () => {
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const train = linearData(32);
    train.x[2 * 5 + 1] = NaN;
    train.featureNames = ['a', 'b'];
    let steps = 0;
    const counter = new LambdaCallback({ onBatchEnd: () => void steps++ });
    await expect(fit(model, { train }, { ...base, callbacks: [counter] })).rejects.toThrow(/^data\.train, row 6, column 2 \("b"\): feature value NaN is not finite/);
    expect(steps).toBe(0);
    const validation = linearData(8);
    validation.y[3] = Infinity;
    await expect(fit(model, { train: linearData(32), validation }, base)).rejects.toThrow(/^data\.validation, row 4, column 1: target value Infinity is not finite/);
    await expect(Promise.resolve().then(() => evaluate(model, validation, { loss: 'mse' }))).rejects.toThrow(DatasetError);
    model.dispose();
  });

  it('refuses targets that do not match the model output with a ShapeMismatchError', async () => {
    const model = mlp({ inputDim: 2, hidden: [4], outputUnits: 3, seed: 1 });
    await expect(fit(model, { train: linearData(32) }, base)).rejects.toThrow(ShapeMismatchError);
    await expect(fit(model, { train: linearData(32) }, base)).rejects.toThrow(/per-example targets of data\.train \(the output of model "mlp-standard"\) must have shape \[3\], got \[1\]/);
    await expect(evaluate(model, linearData(8), { loss: 'mse' })).rejects.toThrow(ShapeMismatchError);
    model.dispose();
    const narrow = mlp({ inputDim: 3, hidden: [4], seed: 1 });
    await expect(fit(narrow, { train: linearData(32) }, base)).rejects.toThrow(ShapeMismatchError);
    narrow.dispose();
    // Class indices (width 1) fit a softmax output of any width.
    const classifier = mlp({ inputDim: 2, hidden: [4], outputUnits: 3, head: 'softmax', seed: 1 });
    const labels = linearData(32);
    labels.y.forEach((_, i) => (labels.y[i] = i % 3));
    expect((await fit(classifier, { train: labels }, { ...base, loss: 'softmaxCrossentropy' })).stopReason).toBe('completed');
    classifier.dispose();
  });

  it('a disposed model is a ModelDisposedError', async () => {
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    model.dispose();
    await expect(fit(model, { train: linearData(16) }, base)).rejects.toThrow(ModelDisposedError);
    await expect(evaluate(model, linearData(8), { loss: 'mse' })).rejects.toThrow(/model "mlp-standard" was disposed; build or load it again/);
    expect(() => tf.tidy(() => model.predict(tf.zeros([1, 2])))).toThrow(ModelDisposedError);
  });

  it('evaluate never returns a silent NaN: it names the weight that holds it', async () => {
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const weights = model.getWeights();
    const [key, kernel] = Object.entries(weights)[0]!;
    const values = (await kernel.array()) as number[][];
    values[0]![0] = NaN;
    const broken = tf.tensor(values);
    model.setWeights({ ...weights, [key]: broken });
    tf.dispose([...Object.values(weights), broken]);
    await expect(evaluate(model, linearData(8), { loss: 'mse', metrics: ['rmse'] })).rejects.toThrow(NonFiniteEvaluationError);
    await expect(evaluate(model, linearData(8), { loss: 'mse' })).rejects.toThrow(new RegExp(`gave loss = NaN: weight ${key.replace('/', '\\/')} of model "mlp-standard" holds a non-finite value NaN`));
    expect(Number.isNaN((await evaluate(model, linearData(8), { loss: 'mse', nonFinite: 'return' }))['loss'])).toBe(true);
    model.dispose();
  });

  it('turns the WASM heap limit into a BackendMemoryError that says what to reduce', async () => {
    const oom = new Error('memory access out of bounds');
    const typed = toBackendMemoryError(oom, 'wasm', 'training', 'the batch size');
    expect(typed).toBeInstanceOf(BackendMemoryError);
    expect((typed as Error).message).toBe('the wasm backend ran out of memory while training; reduce the batch size');
    const other = new Error('something else');
    expect(toBackendMemoryError(other, 'wasm', 'training', 'x')).toBe(other);
    // Raised inside a step, it reaches the caller typed.
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const failing = new LambdaCallback({
      onBatchEnd: () => {
        throw oom;
      },
    });
    await expect(fit(model, { train: linearData(16) }, { ...base, callbacks: [failing] })).rejects.toThrow(/ran out of memory while training model "mlp-standard"; reduce the batch size/);
    model.dispose();
  });

  it('refuses a checkpoint whose model files belong to another save (torn set)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-torn-'));
    const controller = new AbortController();
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const stopper = new LambdaCallback({ onBatchEnd: () => controller.abort() });
    expect((await fit(model, { train: linearData(32) }, { ...base, checkpointDir: dir, signal: controller.signal, callbacks: [stopper] })).stopReason).toBe('interrupted');
    // A kill between writing the model and training.json: the model files are from a later save.
    const later = mlp({ inputDim: 2, hidden: [4], seed: 2 });
    await saveModel(later, path.join(dir, 'model'));
    later.dispose();
    await expect(fit(model, { train: linearData(32) }, { ...base, resumeFrom: dir, callbacks: [new LambdaCallback({})] })).rejects.toThrow(CheckpointError);
    await expect(fit(model, { train: linearData(32) }, { ...base, resumeFrom: dir, callbacks: [new LambdaCallback({})] })).rejects.toThrow(/model\.json: does not belong to .*training\.json .*delete .* to start this part over/);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}, { asyncReads: true });
