import * as tf from '@tensorflow/tfjs-core';
import { SeedStream } from '@geoparam/core';
import { channelMeans, imageDatasetFromArrays } from '@geoparam/datasets';
import { vgg6 } from '@geoparam/models';
import { recalibrateStatistics } from '@geoparam/parameterizations';
import { LambdaCallback, StepDecay, evaluate, fit, imageSource } from '@geoparam/trainer';
import { describeEachBackend } from '@geoparam/test-utils';
import { LONG_RUNS } from './helpers';

/** 10x10 RGB images whose class is the brightest channel. */
function colours(n: number, seed: number) {
  const s = new SeedStream(seed);
  const images = new Uint8Array(n * 10 * 10 * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < 100; p++) {
      for (let c = 0; c < 3; c++) images[(i * 100 + p) * 3 + c] = Math.floor(s.uniform() * 100) + (c === labels[i] ? 120 : 0);
    }
  }
  return imageDatasetFromArrays({ images, labels, height: 10, width: 10, channels: 3, numClasses: 3 });
}

describeEachBackend('fit on images', ({ backend }) => {
  it('trains a small VGG-6 with flat tensor count and memory over every step of an epoch', async () => {
    // The cpu backend's conv gradients take seconds per step: a shorter run there.
    const train = colours(backend === 'cpu' ? 24 : 48, 1);
    const test = colours(24, 2);
    const mean = channelMeans(train);
    const model = vgg6({ variant: 'gmp+imn', inputShape: [10, 10, 3], classes: 3, width: 1 / 16, seed: 1 });
    const tensors: number[] = [];
    const bytes: number[] = [];
    const probe = new LambdaCallback({
      onBatchEnd: () => {
        tensors.push(tf.memory().numTensors);
        bytes.push(tf.memory().numBytes);
      },
    });
    const before = tf.memory().numTensors;
    const history = await fit(model, { train: imageSource(train, { mean, flip: true }), validation: imageSource(test, { mean }) }, {
      epochs: backend === 'cpu' ? 1 : 6,
      batchSize: 8,
      // Read every step, so nothing waits on the device between steps: the count is flat step by step.
      readEvery: 1,
      loss: 'softmaxCrossentropy',
      metrics: ['accuracy', 'top5'],
      optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
      callbacks: [probe, new StepDecay({ boundaries: [4] })],
    });
    expect(tf.memory().numTensors).toBe(before);
    // Momentum slots appear on the first step; afterwards nothing accumulates, within or across epochs.
    expect(new Set(tensors.slice(1)).size).toBe(1);
    expect(new Set(bytes.slice(1)).size).toBe(1);
    expect(history.history['val_top5']!.every((v) => v === 1)).toBe(true);
    if (backend === 'wasm') expect((await evaluate(model, imageSource(test, { mean }), { metrics: ['accuracy'] }))['accuracy']).toBeGreaterThan(0.6);
    model.dispose();
  });

  // The cpu backend's conv gradients take tens of seconds for these two runs: wasm (and GPUs) only.
  (backend === 'cpu' ? it.skip : it).each(['bn', 'gmp+imn'])('%s: recalibrateStatistics re-estimates the running statistics before each validation and leaves training alone', async (variant) => {
    const train = colours(16, 3);
    const test = colours(8, 4);
    const mean = channelMeans(train);
    const options = { epochs: 2, batchSize: 4, seed: 5, loss: 'softmaxCrossentropy' as const, metrics: ['accuracy' as const], optimizer: { name: 'sgd' as const, learningRate: 0.05, momentum: 0.9 } };
    const data = { train: imageSource(train, { mean, flip: true }), validation: imageSource(test, { mean }) };
    const build = () => vgg6({ variant, inputShape: [10, 10, 3], classes: 3, width: 1 / 16, seed: 1 });
    const recalibrated = build();
    const plain = build();
    const before = tf.memory().numTensors;
    try {
      await fit(recalibrated, data, { ...options, recalibrateStatistics: 3 });
      expect(tf.memory().numTensors).toBe(before);
      await fit(plain, data, options);
      const a = recalibrated.getWeights();
      const b = plain.getWeights();
      const trainable = Object.keys(a).filter((key) => !/moving/i.test(key));
      // Training mode normalizes with batch statistics: the trainable weights come out bit-identical.
      for (const key of trainable) expect(Array.from(await a[key]!.data())).toEqual(Array.from(await b[key]!.data()));
      // The same 3 batches (epoch 0's order under the run's seed) by hand give the statistics fit left.
      const host = [...data.train.batches({ batchSize: 4, shuffle: true, seed: 5, epoch: 0 })].slice(0, 3);
      const inputs = host.map((h) => tf.tensor(h.x, [h.size, 10, 10, 3]));
      await recalibrateStatistics(plain, inputs);
      tf.dispose(inputs);
      const statistics = Object.keys(a).filter((key) => /moving/i.test(key));
      expect(statistics.length).toBeGreaterThan(0);
      const c = plain.getWeights();
      for (const key of statistics) expect(Array.from(await c[key]!.data())).toEqual(Array.from(await a[key]!.data()));
      tf.dispose([...Object.values(a), ...Object.values(b), ...Object.values(c)]);
    } finally {
      recalibrated.dispose();
      plain.dispose();
    }
  });
}, LONG_RUNS);
