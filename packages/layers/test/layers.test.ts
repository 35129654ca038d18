import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, UnknownNameError } from '@geoparam/core';
import { conv2d as geoparamConv2d, dense as geoparamDense } from '@geoparam/parameterizations';
import { mlp } from '@geoparam/models';
import {
  geometricConv2d,
  geometricDense,
  inputMeanNormalization,
  meanOnlyBatchNormalization,
  weightNormConv2d,
  weightNormDense,
} from '@geoparam/layers';
import { describeEachBackend, expectClose } from '@geoparam/test-utils';

/** Saves to memory and loads back, as a file round trip would, without any file system. */
async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

function disposeAll(...models: tfl.LayersModel[]): void {
  for (const model of models) model.dispose();
}

/** Frees a layer used on concrete tensors only (tfjs' `Layer.dispose` wants a symbolic use). */
function disposeLayer(layer: tfl.layers.Layer): void {
  for (const weight of layer.weights) weight.dispose();
}

describeEachBackend('@geoparam/layers', ({ tolerance }) => {
  it('a tf.sequential with geometricDense equals a geoparam GmP MLP with the same weights: outputs and gradients', () => {
    const reference = mlp({ inputDim: 8, hidden: [100], parameterization: 'geometric', seed: 3 });
    const model = tfl.sequential({ layers: [geometricDense({ units: 100, activation: 'relu', inputShape: [8] }), tfl.layers.dense({ units: 1 })] });
    const x = tf.randomNormal([64, 8], 0, 1, 'float32', 4);
    const y = tf.randomNormal([64, 1], 0, 1, 'float32', 5);
    tf.tidy(() => {
      const hidden = reference.layers[0] as unknown as { parameterization: { variables: Record<string, tf.Variable> } };
      const output = reference.layers[1] as unknown as { parameterization: { variables: Record<string, tf.Variable> } };
      // A few radii negative and one exactly at a pole, so every branch of the map runs.
      const geometry = hidden.parameterization.variables['geometry']!;
      const signs = tf.concat([tf.ones([8, 100]), tf.reshape(tf.tensor1d(Array.from({ length: 100 }, (_, i) => (i % 7 === 0 ? -1 : 1))), [1, 100])], 0);
      geometry.assign(tf.mul(geometry, signs));
      model.layers[0]!.setWeights([geometry]);
      model.layers[1]!.setWeights([output.parameterization.variables['kernel']!, output.parameterization.variables['bias']!]);
      expectClose(model.predict(x) as tf.Tensor, reference.predict(x), tolerance);
      const loss = (out: tf.Tensor) => tf.mean(tf.square(tf.sub(out, y))) as tf.Scalar;
      const ours = tf.variableGrads(() => loss(model.apply(x, { training: true }) as tf.Tensor), model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
      const theirs = tf.variableGrads(() => loss(reference.logits(x, { training: true })), reference.trainableVariables);
      const oursList = Object.values(ours.grads);
      const theirsList = reference.trainableVariables.map((v) => theirs.grads[v.name]!);
      expect(oursList).toHaveLength(theirsList.length);
      oursList.forEach((g, i) => expectClose(g, theirsList[i]!, { atol: tolerance.atol * 10, rtol: tolerance.rtol * 10 }));
    });
    tf.dispose([x, y]);
    reference.dispose();
    model.dispose();
  });

  it.each(['geometric', 'weightNorm'] as const)('%s conv2d equals the geoparam layer of that parameterization', (name) => {
    const reference = geoparamConv2d({ inputChannels: 3, filters: 4, kernelSize: 3, strides: 2, padding: 'same', parameterization: name, seed: 6 });
    const layer = (name === 'geometric' ? geometricConv2d : weightNormConv2d)({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' });
    tf.tidy(() => {
      const x = tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 7);
      layer.build(x.shape);
      layer.setWeights(layer.weights.map((w) => reference.parameterization.variables[w.originalName.split('/').pop()!]!));
      expectClose(layer.apply(x) as tf.Tensor, reference.apply(x), tolerance);
    });
    reference.dispose();
    disposeLayer(layer);
  });

  it('builds lazily from the input shape, with the Glorot -> angles init seeded like geoparam', () => {
    const reference = geoparamDense({ inputDim: 5, units: 6, parameterization: 'geometric', seed: 11 });
    const layer = geometricDense({ units: 6, seed: 11, activation: 'relu' });
    expect(layer.built).toBe(false);
    tf.tidy(() => {
      const x = tf.randomNormal([4, 5], 0, 1, 'float32', 12);
      expectClose(layer.apply(x) as tf.Tensor, reference.apply(x), tolerance);
      expect(layer.weights.map((w) => w.shape)).toEqual([[6, 6]]);
    });
    const sphere = geometricDense({ units: 6, kernelInitializer: 'uniformSphere', seed: 3 });
    tf.tidy(() => {
      sphere.apply(tf.zeros([1, 5]));
      // r = 1 for every unit: the paper text's init.
      expectClose(tf.slice(sphere.getWeights()[0]!, [5, 0], [1, 6]), tf.ones([1, 6]), tolerance);
    });
    reference.dispose();
    disposeLayer(layer);
    disposeLayer(sphere);
  });

  it('GmP with fan-in 1 keeps an untrained sign direction, as in @geoparam/parameterizations', () => {
    const layer = geometricDense({ units: 3, activation: 'relu', inputShape: [1] });
    const model = tfl.sequential({ layers: [layer] });
    expect(layer.trainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['geometry']);
    expect(layer.nonTrainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['signs']);
    tf.tidy(() => {
      layer.setWeights([tf.tensor2d([[0.5, 2, -3], [2, 0.5, 1]]), tf.tensor2d([[1, -1, 1]])]);
      const x = tf.tensor2d([[-1], [0.5], [4]]);
      const expected = tf.relu(tf.add(tf.matMul(x, tf.tensor2d([[2, -0.5, 1]])), tf.tensor1d([1, 1, -3])));
      expectClose(model.predict(x) as tf.Tensor, expected, tolerance);
    });
    model.dispose();
  });

  it('weightNormDense without bias -> meanOnlyBatchNormalization -> ReLU equals geoparam WN+MBN, running mean included', () => {
    const reference = geoparamDense({ inputDim: 4, units: 3, parameterization: 'meanOnlyBatchNorm', seed: 2, activation: 'relu' });
    const wn = weightNormDense({ units: 3, useBias: false, inputShape: [4] });
    const mbn = meanOnlyBatchNormalization();
    const model = tfl.sequential({ layers: [wn, mbn, tfl.layers.reLU()] });
    const x = tf.randomNormal([16, 4], 1, 2, 'float32', 3);
    tf.tidy(() => {
      const v = reference.parameterization.variables;
      wn.setWeights([v['g']!, v['v']!]);
      mbn.setWeights([v['bias']!, v['movingMean']!]);
      expectClose(model.apply(x, { training: true }) as tf.Tensor, reference.apply(x, { training: true }), tolerance);
      expectClose(mbn.getWeights()[1]!, v['movingMean']!, tolerance);
      expectClose(model.predict(x) as tf.Tensor, reference.apply(x), tolerance);
    });
    x.dispose();
    reference.dispose();
    model.dispose();
  });

  it('inputMeanNormalization subtracts the batch mean in training and the running mean (momentum 0.99) at inference', () => {
    const imn = inputMeanNormalization({ inputShape: [4, 4, 3] });
    const model = tfl.sequential({ layers: [imn] });
    tf.tidy(() => {
      const x = tf.randomNormal([2, 4, 4, 3], 5, 1, 'float32', 3);
      expectClose(tf.mean(model.apply(x, { training: true }) as tf.Tensor, [0, 1, 2]), [0, 0, 0], { atol: 1e-5, rtol: 0 });
      const mean = tf.mul(tf.mean(x, [0, 1, 2]), 0.01);
      expectClose(imn.getWeights()[0]!, mean, tolerance);
      expectClose(model.predict(x) as tf.Tensor, tf.sub(x, mean), tolerance);
    });
    model.dispose();
  });

  it('round-trips every layer class through model.save / tf.loadLayersModel', async () => {
    const model = tfl.sequential({
      layers: [
        geometricConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [6, 6, 2], seed: 1 }),
        inputMeanNormalization(),
        weightNormConv2d({ filters: 3, kernelSize: [3, 1], strides: 2, useBias: false, kernelInitializer: 'heNormal', seed: 2 }),
        meanOnlyBatchNormalization({ momentum: 0.9 }),
        tfl.layers.reLU(),
        tfl.layers.flatten(),
        weightNormDense({ units: 5, activation: 'relu', seed: 3 }),
        geometricDense({ units: 4, activation: 'tanh', kernelInitializer: 'uniformSphere', seed: 4 }),
        tfl.layers.dense({ units: 1 }),
      ],
    });
    const x = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 5);
    // Move the running means off their initial zeros, so the round trip carries real state.
    tf.tidy(() => void model.apply(x, { training: true }));
    const loaded = await roundTrip(model);
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(loaded.layers[2]!.getConfig()).toEqual(model.layers[2]!.getConfig());
    tf.tidy(() => {
      expectClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 0, rtol: 0 });
      loaded.getWeights().forEach((w, i) => expectClose(w, model.getWeights()[i]!, { atol: 0, rtol: 0 }));
    });
    x.dispose();
    disposeAll(model, loaded);
  });

  it('trains with model.fit and model.fitDataset, any optimizer and loss, without leaking tensors', async () => {
    const model = tfl.sequential({ layers: [geometricDense({ units: 16, activation: 'relu', inputShape: [2], seed: 1 }), tfl.layers.dense({ units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const x = tf.randomUniform([128, 2], -1, 1, 'float32', 2);
    const y = tf.tidy(() => tf.cast(tf.greater(tf.sum(tf.square(x), 1, true), 0.4), 'float32'));
    const history = await model.fit(x, y, { epochs: 10, batchSize: 32, shuffle: false, verbose: 0 });
    const losses = history.history['loss'] as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.9);
    const before = tf.memory().numTensors;
    await model.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const sgdModel = tfl.sequential({ layers: [weightNormDense({ units: 8, activation: 'relu', inputShape: [2], seed: 1 }), tfl.layers.dense({ units: 1 })] });
    sgdModel.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const rows = (await x.array()) as number[][];
    const labels = (await y.array()) as number[][];
    const dataset = {
      size: null,
      iterator: async () => {
        let at = 0;
        return {
          next: async () => {
            if (at >= rows.length) return { done: true, value: null };
            const batch = { xs: tf.tensor2d(rows.slice(at, at + 32)), ys: tf.tensor2d(labels.slice(at, at + 32)) };
            at += 32;
            return { done: false, value: batch };
          },
        };
      },
    };
    const fitted = await sgdModel.fitDataset(dataset as never, { epochs: 2, verbose: 0 });
    expect(fitted.history['loss']).toHaveLength(2);
    tf.dispose([x, y]);
    sgdModel.optimizer.dispose();
    model.optimizer.dispose();
    disposeAll(model, sgdModel);
  });

  it('answers bad input with typed errors naming the value', async () => {
    expect(() => geometricDense({ units: 3, kernelInitializer: 'glorotUniformm' })).toThrow(UnknownNameError);
    expect(() => geometricDense({ units: 3, kernelInitializer: 'glorotUniformm' })).toThrow(/unknown kernel initializer "glorotUniformm"; known: .*GlorotUniform/);
    expect(() => geometricDense({ units: 0 })).toThrow(InvalidArgumentError);
    expect(() => geometricConv2d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/padding must be "same" or "valid", got "full"/);
    expect(() => geometricDense({ units: 2, activation: 'sparkle' })).toThrow(/activation must be a tfjs-layers activation name/);
    const noBias = geometricDense({ units: 2, useBias: false });
    expect(() => tf.tidy(() => noBias.apply(tf.zeros([1, 3])) as tf.Tensor)).toThrow(/useBias must be true for a GeometricDense layer/);
    // A model.json naming a class nobody registered: tfjs names the class.
    const model = tfl.sequential({ layers: [geometricDense({ units: 2, inputShape: [3] })] });
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const renamed = JSON.parse(JSON.stringify(artifacts!.modelTopology).replace('GeometricDense', 'SphericalDense'));
    await expect(tfl.loadLayersModel(tf.io.fromMemory({ ...artifacts!, modelTopology: renamed }))).rejects.toThrow(/SphericalDense/);
    model.dispose();
  });
});
