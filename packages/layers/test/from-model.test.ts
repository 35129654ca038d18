import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConversionError } from '@geoparam/core';
import { mlp, resnet, vgg6, type Model } from '@geoparam/models';
import { bakeLayersModel, toLayersModel } from '@geoparam/layers';
import { describeEachBackend, expectCloseAsync } from '@geoparam/test-utils';

/** A few training-mode passes, so running statistics (BN, MBN, IMN) hold something other than their start. */
function warmStatistics(model: Model, x: tf.Tensor): void {
  for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(() => model.logits(tf.add(x, i * 0.1), { training: true })));
}

// SwiftShader (webgpu here) compiles each WGSL pipeline on the CPU at first use: the first webgpu
// tests took past 60 s each on the shared 2 cores under load (the whole file: 22 s when idle).
jest.setTimeout(180_000);

// toLayersModel and bakeLayersModel read the device only with `await data()`: this suite runs on webgpu too.
describeEachBackend('toLayersModel', ({ tolerance }) => {
  it.each(['standard', 'weightNorm', 'batchNorm', 'meanOnlyBatchNorm', 'geometric'])(
    'a %s MLP (sigmoid head, IMN) becomes a tf.LayersModel with the same predictions, and bakes to stock layers',
    async (parameterization) => {
      const model = mlp({ inputDim: 3, hidden: [12, 8], parameterization, head: 'sigmoid', imn: true, seed: 2 });
      const x = tf.randomNormal([16, 3], 0, 1, 'float32', 3);
      warmStatistics(model, x);
      const converted = await toLayersModel(model);
      expect(converted).toBeInstanceOf(tfl.LayersModel);
      const baked = await bakeLayersModel(converted);
      const [expected, fromConverted, fromBaked] = tf.tidy(() => [model.predict(x), converted.predict(x) as tf.Tensor, baked.predict(x) as tf.Tensor]);
      try {
        await expectCloseAsync(fromConverted!, expected!, tolerance);
        // Baking folds running statistics and radii into plain weights: ten times the backend's bound.
        await expectCloseAsync(fromBaked!, expected!, { atol: tolerance.atol * 10, rtol: tolerance.rtol * 10 });
      } finally {
        tf.dispose([expected!, fromConverted!, fromBaked!]);
      }
      // GmP and WN keep their parameterization; the rest are the stock classes.
      const classes = converted.layers.map((l: tfl.layers.Layer) => l.getClassName());
      if (parameterization === 'geometric') expect(classes).toContain('GeometricDense');
      if (parameterization === 'weightNorm') expect(classes).toContain('WeightNormDense');
      expect(classes.at(-1)).toBe('Activation');
      expect(baked.layers.every((l: tfl.layers.Layer) => !/^(Geometric|WeightNorm|InputMean|MeanOnly)/.test(l.getClassName()))).toBe(true);
      tf.dispose(x);
      model.dispose();
      converted.dispose();
      baked.dispose();
    },
  );

  it('a GmP+IMN VGG-6 (conv, pooling, softmax) converts with the same predictions', async () => {
    const model = vgg6({ variant: 'gmp+imn', inputShape: [8, 8, 3], classes: 4, width: 0.03, seed: 5 });
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 6);
    warmStatistics(model, x);
    const converted = await toLayersModel(model);
    expect(converted.layers.map((l: tfl.layers.Layer) => l.getClassName())).toContain('GeometricConv2D');
    const [actual, expected] = tf.tidy(() => [converted.predict(x) as tf.Tensor, model.predict(x)]);
    await expectCloseAsync(actual!, expected!, tolerance);
    tf.dispose([x, actual!, expected!]);
    model.dispose();
    converted.dispose();
  });

  it('the converted GmP model trains with model.fit, and the geoparam model is left as it was', async () => {
    const model = mlp({ inputDim: 2, hidden: [10], parameterization: 'geometric', seed: 7 });
    const before = tf.tidy(() => tf.concat(model.trainableVariables.map((v) => tf.reshape(v, [-1]))));
    const converted = await toLayersModel(model);
    converted.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.randomUniform([32, 2], -1, 1, 'float32', 8);
    const y = tf.tidy(() => tf.sum(tf.square(x), 1, true));
    const history = await converted.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0 });
    const loss = history.history['loss']!.map(Number);
    expect(loss.at(-1)!).toBeLessThan(loss[0]!);
    const after = tf.tidy(() => tf.concat(model.trainableVariables.map((v) => tf.reshape(v, [-1]))));
    await expectCloseAsync(after, before, { atol: 0, rtol: 0 });
    after.dispose();
    (converted.optimizer as tf.Optimizer).dispose();
    tf.dispose([before, x, y]);
    model.dispose();
    converted.dispose();
  });

  it('refuses residual blocks with a ConversionError naming the layer', async () => {
    const model = resnet({ variant: 'sp', depth: 18, inputShape: [8, 8, 3], classes: 2, width: 0.03, seed: 1 });
    await expect(toLayersModel(model)).rejects.toThrow(ConversionError);
    await expect(toLayersModel(model)).rejects.toThrow(/layer \d+ is a residual block/);
    model.dispose();
  });
}, { asyncReads: true });
