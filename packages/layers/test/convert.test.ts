import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConversionError } from '@geoparam/core';
import {
  CabCallback,
  GeometricConv2D,
  GeometricDense,
  bakeLayersModel,
  geometric,
  geometricConv2d,
  geometricDense,
  inputMeanNormalization,
  weightNorm,
  layersModelBoundaries,
  reparameterizeLayersModel,
} from '@geoparam/layers';
import { describeEachBackend, expectCloseAsync, type Tolerance } from '@geoparam/test-utils';

/** float32: conversion re-expresses weights (angles, norms), so outputs agree to rounding (webgpu's WGSL trigonometry included). */
const FUNCTION_KEPT = { atol: 1e-4, rtol: 1e-3 };
/** A wrapped layer recomputes a 3x3x3 conv through angles: float32 rounding (WGSL trigonometry on webgpu). */
const WRAPPED_TOLERANCE = { atol: 5e-5, rtol: 5e-4 };
/** Unit directions and points on their boundary: float32 rounding of a norm and a dot product of 18 terms. */
const UNIT_TOLERANCE = { atol: 1e-5, rtol: 0 };

/** Random weights with biases, so boundaries sit off the origin. */
function randomize(model: tfl.LayersModel, seed: number): void {
  tf.tidy(() => model.setWeights(model.getWeights().map((w, i) => (w.rank === 1 && w.shape[0]! > 0 ? tf.randomUniform(w.shape, 0.5, 1.5, 'float32', seed + i) : tf.randomNormal(w.shape, 0, 0.5, 'float32', seed + i)))));
}

/** Makes every third GmP radius of `layer` negative (the last row of its geometry). */
function negateSomeRadii(layer: tfl.layers.Layer): void {
  tf.tidy(() => {
    const [geometry, ...rest] = layer.getWeights();
    const [rows, units] = geometry!.shape as [number, number];
    const signs = tf.reshape(tf.tensor1d(Array.from({ length: units }, (_, j) => (j % 3 === 0 ? -1 : 1))), [1, units]);
    layer.setWeights([tf.concat([tf.slice(geometry!, [0, 0], [rows - 1, units]), tf.mul(tf.slice(geometry!, [rows - 1, 0], [1, units]), signs)], 0), ...rest]);
  });
}

function mlpModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 12, activation: 'relu', inputShape: [5] }),
      tfl.layers.dense({ units: 9 }),
      tfl.layers.reLU(),
      tfl.layers.dense({ units: 2 }),
    ],
  });
  randomize(model, 1);
  return model;
}

function convModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [6, 6, 2] }),
      tfl.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2 }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 1 }),
    ],
  });
  randomize(model, 7);
  return model;
}

/** Compares a prediction (or any tensor made for the comparison) with `expected`, then disposes it. */
async function expectCloseThenDispose(actual: tf.Tensor, expected: tf.Tensor, tolerance: Tolerance): Promise<void> {
  try {
    await expectCloseAsync(actual, expected, tolerance);
  } finally {
    actual.dispose();
  }
}

function classes(model: tfl.LayersModel): string[] {
  return model.layers.map((l) => l.getClassName());
}

// SwiftShader (webgpu here) compiles each WGSL pipeline on the CPU at first use: the first webgpu
// tests took past 60 s each on the shared 2 cores under load (the whole file: 22 s when idle).
jest.setTimeout(180_000);

// Conversion reads GmP radii with `await data()` only, so this suite runs on webgpu too.
describeEachBackend('LayersModel conversion and CAB', () => {
  it('converts an MLP to GmP and WN and back, keeping the function; negative radii fold into the next layer', async () => {
    const model = mlpModel();
    const x = tf.randomNormal([10, 5], 0, 1, 'float32', 3);
    const expected = model.predict(x) as tf.Tensor;
    const gmp = await reparameterizeLayersModel(model, 'geometric');
    expect(classes(gmp)).toEqual(['GeometricDense', 'GeometricDense', 'Dense']);
    await expectCloseThenDispose(gmp.predict(x) as tf.Tensor, expected, FUNCTION_KEPT);
    negateSomeRadii(gmp.layers[0]!);
    negateSomeRadii(gmp.layers[1]!);
    const flipped = gmp.predict(x) as tf.Tensor;
    const wn = await reparameterizeLayersModel(gmp, 'wn');
    expect(classes(wn)).toEqual(['WeightNormDense', 'WeightNormDense', 'Dense']);
    const baked = await bakeLayersModel(gmp);
    expect(classes(baked)).toEqual(['Dense', 'Dense', 'Dense']);
    await expectCloseThenDispose(wn.predict(x) as tf.Tensor, flipped, FUNCTION_KEPT);
    await expectCloseThenDispose(baked.predict(x) as tf.Tensor, flipped, FUNCTION_KEPT);
    tf.dispose([x, expected, flipped]);
    [model, gmp, wn, baked].forEach((m) => m.dispose());
  });

  it('converts a small conv net (Conv2D -> BatchNormalization -> ReLU included) and bakes IMN to a frozen BatchNormalization', async () => {
    const model = convModel();
    const x = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 4);
    // Real running statistics in the BatchNormalization.
    tf.tidy(() => void model.apply(x, { training: true }));
    const expected = model.predict(x) as tf.Tensor;
    const gmp = await reparameterizeLayersModel(model, 'geometric');
    expect(classes(gmp)).toEqual(['GeometricConv2D', 'GeometricConv2D', 'Flatten', 'Dense']);
    await expectCloseThenDispose(gmp.predict(x) as tf.Tensor, expected, FUNCTION_KEPT);

    const withImn = tfl.sequential({
      layers: [
        geometricConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [6, 6, 2], seed: 1 }),
        inputMeanNormalization(),
        tfl.layers.flatten(),
        geometricDense({ units: 3, activation: 'relu', seed: 2 }),
        tfl.layers.dense({ units: 1 }),
      ],
    });
    tf.tidy(() => void withImn.apply(x, { training: true }));
    negateSomeRadii(withImn.layers[0]!);
    const reference = withImn.predict(x) as tf.Tensor;
    const baked = await bakeLayersModel(withImn);
    expect(classes(baked)).toEqual(['Conv2D', 'BatchNormalization', 'Flatten', 'Dense', 'Dense']);
    await expectCloseThenDispose(baked.predict(x) as tf.Tensor, reference, FUNCTION_KEPT);
    let saved: tf.io.ModelArtifacts | null = null;
    await baked.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const topology = JSON.stringify(saved!.modelTopology);
    expect(topology).not.toMatch(/Geometric|WeightNorm|MeanNormalization|MeanOnly/);
    // Stock names; tfjs lists trainable weights first, the frozen BatchNormalization's last.
    expect(saved!.weightSpecs!.map((w) => w.name.split('/').pop())).toEqual(['kernel', 'bias', 'kernel', 'bias', 'kernel', 'bias', 'moving_mean', 'moving_variance']);
    tf.dispose([x, expected, reference]);
    [model, gmp, withImn, baked].forEach((m) => m.dispose());
  });

  it('refuses a negative radius it cannot fold, naming the unit, and leaks nothing', async () => {
    const model = tfl.sequential({
      layers: [geometricConv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [5, 5, 1], seed: 1, name: 'gmp_conv' }), tfl.layers.maxPooling2d({ poolSize: 2 }), tfl.layers.flatten(), tfl.layers.dense({ units: 1 })],
    });
    negateSomeRadii(model.layers[0]!);
    await expect(bakeLayersModel(model)).rejects.toThrow(ConversionError);
    await expect(bakeLayersModel(model)).rejects.toThrow(/unit layer gmp_conv: the sign of its negative GmP radii cannot pass MaxPooling2D/);
    const last = tfl.sequential({ layers: [geometricDense({ units: 3, activation: 'relu', inputShape: [2], seed: 1, name: 'gmp_last' })] });
    negateSomeRadii(last.layers[0]!);
    await expect(reparameterizeLayersModel(last, 'standard')).rejects.toThrow(/unit layer gmp_last: units \[0\] have a negative GmP radius under ReLU and no Dense\/Conv2D follows/);
    await expect(reparameterizeLayersModel(last, 'spectral')).rejects.toThrow(/unknown parameterization "spectral"/);
    await expect(reparameterizeLayersModel(last, 'batchNorm')).rejects.toThrow(/target must be one of standard, geometric, weightNorm/);
    model.dispose();
    last.dispose();
  });

  it('reports the CAB of every ReLU unit, stock or geoparam, on its boundary', async () => {
    const model = convModel();
    const gmp = await reparameterizeLayersModel(model, 'geometric');
    for (const m of [model, gmp]) {
      const boundaries = layersModelBoundaries(m);
      expect(boundaries.map((b) => b.boundary.offset.shape)).toEqual([[4], [3]]);
      for (const { boundary } of boundaries) {
        const [norms, ones, onBoundary, zeros] = tf.tidy(() => [
          tf.norm(boundary.direction, 'euclidean', 0),
          tf.onesLike(boundary.offset),
          tf.add(tf.sum(tf.mul(boundary.direction, boundary.location), 0), boundary.offset),
          tf.zerosLike(boundary.offset),
        ]);
        await expectCloseAsync(norms!, ones!, UNIT_TOLERANCE);
        await expectCloseAsync(onBoundary!, zeros!, UNIT_TOLERANCE);
        tf.dispose([norms!, ones!, onBoundary!, zeros!]);
      }
      // Converting keeps every hyperplane: the same locations before and after.
      if (m === gmp) {
        const before = layersModelBoundaries(model);
        for (const [i, b] of boundaries.entries()) await expectCloseAsync(b.boundary.location, before[i]!.boundary.location, FUNCTION_KEPT);
        before.forEach((b) => tf.dispose(Object.values(b.boundary)));
      }
      boundaries.forEach((b) => tf.dispose(Object.values(b.boundary)));
    }
    model.dispose();
    gmp.dispose();
  });

  it('wraps stock layers: same config; a built layer keeps its function', async () => {
    const stock = tfl.layers.dense({ units: 5, activation: 'relu', useBias: true, kernelInitializer: 'heUniform' });
    const wrapped = await geometric(stock);
    expect(wrapped).toBeInstanceOf(GeometricDense);
    expect(wrapped.getConfig()['units']).toBe(5);
    expect(wrapped.getConfig()['activation']).toBe('relu');
    expect(wrapped.getConfig()['kernelInitializer']).toEqual(stock.getConfig()['kernelInitializer']);
    const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' });
    const x = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 1);
    conv.build(x.shape);
    tf.tidy(() => conv.setWeights([conv.getWeights()[0]!, tf.tensor1d([0.1, -0.2])]));
    const withBias = conv.apply(x) as tf.Tensor;
    const gmp = await geometric(conv);
    expect(gmp).toBeInstanceOf(GeometricConv2D);
    await expectCloseThenDispose(gmp.apply(x) as tf.Tensor, withBias, WRAPPED_TOLERANCE);
    const wn = await weightNorm(gmp);
    await expectCloseThenDispose(wn.apply(x) as tf.Tensor, withBias, WRAPPED_TOLERANCE);
    tf.dispose([x, withBias]);
    for (const layer of [gmp, wn, conv]) layer.weights.forEach((w) => w.dispose());
  });

  it('refuses to wrap a built GmP layer whose negative radius a plain kernel cannot carry', async () => {
    const layer = geometricDense({ units: 4, activation: 'relu', seed: 3, name: 'gmp_wrapped' });
    layer.build([null, 3]);
    negateSomeRadii(layer);
    await expect(weightNorm(layer)).rejects.toThrow(/layer gmp_wrapped: units \[0, 3\] have a negative scale after the relu activation/);
    layer.weights.forEach((w) => w.dispose());
  });

  it('tracks boundary stability per batch as a model.fit callback', async () => {
    const model = tfl.sequential({ layers: [geometricDense({ units: 8, activation: 'relu', inputShape: [2], seed: 1 }), tfl.layers.dense({ units: 1 })] });
    model.compile({ optimizer: tf.train.adam(0.1), loss: 'meanSquaredError' });
    const x = tf.randomNormal([64, 2], 0, 1, 'float32', 1);
    const y = tf.randomNormal([64, 1], 0, 1, 'float32', 2);
    const tracker = new CabCallback({ every: 'batch', keepSnapshots: true });
    await model.fit(x, y, { epochs: 2, batchSize: 16, callbacks: [tracker], verbose: 0 });
    expect(tracker.stability).toHaveLength(8);
    expect(tracker.snapshots).toHaveLength(9);
    expect(tracker.stability.every((s) => s.maxLocationShift > 0 && s.maxAngleChange < 30)).toBe(true);
    tf.dispose([x, y]);
    model.optimizer.dispose();
    model.dispose();
  });
}, { asyncReads: true });
