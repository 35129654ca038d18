import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, UnknownNameError } from '@geoparam/core';
import { PARAMETERIZATION_NAMES, conv2d, createParameterization, denseGeometry, dense, inputMeanNormalization } from '@geoparam/parameterizations';
import { useBackend } from '@geoparam/core';
import { backendPlan, checkGradients, describeEachBackend, expectClose } from '@geoparam/test-utils';
import { makeInput, makeLayer, perturbBiases, type Kind } from './fixtures';
import { report } from './report';

describeEachBackend('parameterizations', ({ backend, tolerance }) => {
  const kinds: Kind[] = ['dense', 'conv2d'];
  const cases = kinds.flatMap((kind) => PARAMETERIZATION_NAMES.map((name) => [kind, name] as const));

  describe.each(cases)('%s / %s', (kind, name) => {
    it('has gradients that match finite differences (training mode)', async () => {
      const layer = makeLayer(kind, name);
      await perturbBiases(layer);
      const x = makeInput(kind);
      // Softplus-like smooth target keeps ReLU kinks away from the sampled points in practice.
      const loss = () => tf.tidy(() => tf.mean(tf.square(tf.sub(layer.apply(x, { training: true }), 0.3))) as tf.Scalar);
      const result = await checkGradients(loss, layer.trainableVariables, { step: 1e-2, samplesPerVariable: 8, seed: 3 });
      report({ test: 'gradient-check', backend, kind, parameterization: name, maxError: result.maxError, checked: result.checked });
      expect(result.checked).toBeGreaterThan(0);
      expect(result.maxError).toBeLessThan(5e-3);
      x.dispose();
      layer.dispose();
    });

    it('reports a CAB of unit directions whose location lies on the boundary', async () => {
      const layer = makeLayer(kind, name, 5);
      await perturbBiases(layer);
      tf.tidy(() => {
        const { direction, offset, location } = layer.parameterization.boundary();
        const n = layer.geometry.fanIn;
        expect(direction.shape).toEqual([n, 4]);
        expect(offset.shape).toEqual([4]);
        expectClose(tf.sqrt(tf.sum(tf.square(direction), 0)), [1, 1, 1, 1], { atol: 1e-5, rtol: 0 });
        // phi lies on B: u . phi + lambda = 0.
        expectClose(tf.add(tf.sum(tf.mul(direction, location), 0), offset), [0, 0, 0, 0], { atol: 1e-5, rtol: 0 });
        // The same hyperplane as the effective plain weights: w . phi + b = 0.
        const { kernel, bias, scale } = layer.parameterization.forward();
        expectClose(tf.add(tf.sum(tf.mul(kernel, location), 0), bias), [0, 0, 0, 0], { atol: 1e-4, rtol: 0 });
        if (scale) expect(scale.shape).toEqual([4]);
      });
      layer.dispose();
    });

    it('keeps its invariants after optimizer steps', () => {
      const layer = makeLayer(kind, name, 9);
      const x = makeInput(kind, 10);
      const optimizer = tf.train.adam(0.05);
      const before = tf.memory().numTensors;
      for (let step = 0; step < 5; step++) {
        const cost = optimizer.minimize(() => tf.mean(tf.square(tf.sub(layer.apply(x, { training: true }), 1))) as tf.Scalar, true, [
          ...layer.trainableVariables,
        ]);
        cost?.dispose();
      }
      // Adam allocates its slots on the first step only.
      const afterFirstSteps = tf.memory().numTensors;
      for (let step = 0; step < 5; step++) {
        optimizer.minimize(() => tf.mean(tf.square(tf.sub(layer.apply(x, { training: true }), 1))) as tf.Scalar, false, [...layer.trainableVariables]);
      }
      expect(tf.memory().numTensors).toBe(afterFirstSteps);
      expect(afterFirstSteps).toBeGreaterThanOrEqual(before);
      tf.tidy(() => {
        const { direction } = layer.parameterization.boundary();
        expectClose(tf.sqrt(tf.sum(tf.square(direction), 0)), [1, 1, 1, 1], { atol: 1e-5, rtol: 0 });
        const out = layer.apply(x);
        expect(tf.all(tf.isFinite(out)).dataSync()[0]).toBe(1);
      });
      optimizer.dispose();
      x.dispose();
      layer.dispose();
    });
  });

  describe('geometric', () => {
    it('stores [theta; lambda; r] per unit and initializes from Glorot with r = |w|, lambda = 0', () => {
      const sp = dense({ inputDim: 3, units: 5, seed: 42 });
      const gmp = dense({ inputDim: 3, units: 5, seed: 42, parameterization: 'geometric' });
      tf.tidy(() => {
        const column = gmp.parameterization.variables['geometry']!;
        expect(column.shape).toEqual([4, 5]);
        const w = sp.parameterization.variables['kernel']!;
        expectClose(tf.slice(column, [3, 0], [1, 5]), tf.sqrt(tf.sum(tf.square(w), 0, true)), tolerance);
        expectClose(tf.slice(column, [2, 0], [1, 5]), tf.zeros([1, 5]), tolerance);
        const x = tf.randomNormal([7, 3], 0, 1, 'float32', 1);
        expectClose(gmp.apply(x), sp.apply(x), { atol: 1e-5, rtol: 1e-4 });
      });
      sp.dispose();
      gmp.dispose();
    });

    it('offers the paper-text init: uniform directions, r = 1', () => {
      const layer = dense({ inputDim: 4, units: 6, seed: 3, parameterization: 'geometric', init: 'sphere' });
      tf.tidy(() => {
        expectClose(tf.slice(layer.parameterization.variables['geometry']!, [4, 0], [1, 6]), tf.ones([1, 6]), tolerance);
      });
      layer.dispose();
      expect(() => dense({ inputDim: 4, units: 6, parameterization: 'geometric', init: 'uniform' as never })).toThrow(InvalidArgumentError);
    });
  });

  describe('batch statistics', () => {
    it('BN normalizes with batch statistics in training and running ones at inference', () => {
      const layer = dense({ inputDim: 3, units: 2, parameterization: 'batchNorm', seed: 1, activation: 'linear', momentum: 0.5 });
      tf.tidy(() => {
        const x = tf.randomNormal([64, 3], 2, 3, 'float32', 1);
        const trained = layer.apply(x, { training: true });
        const { mean, variance } = tf.moments(trained, 0);
        expectClose(mean, [0, 0], { atol: 1e-4, rtol: 0 });
        expectClose(variance, [1, 1], { atol: 5e-3, rtol: 0 });
        const p = layer.parameterization;
        const z = tf.matMul(x, p.variables['kernel']!);
        const batch = tf.moments(z, 0);
        expectClose(p.variables['movingMean']!, tf.mul(batch.mean, 0.5), { atol: 1e-4, rtol: 1e-4 });
        expectClose(p.variables['movingVariance']!, tf.add(0.5, tf.mul(batch.variance, 0.5)), { atol: 1e-3, rtol: 1e-4 });
      });
      layer.dispose();
    });

    it('WN+MBN subtracts the batch mean of the pre-activation in training', () => {
      const layer = dense({ inputDim: 3, units: 2, parameterization: 'meanOnlyBatchNorm', seed: 1, activation: 'linear' });
      tf.tidy(() => {
        const x = tf.randomNormal([32, 3], 1, 1, 'float32', 2);
        expectClose(tf.mean(layer.apply(x, { training: true }), 0), [0, 0], { atol: 1e-5, rtol: 0 });
        expect(tf.any(tf.notEqual(layer.parameterization.variables['movingMean']!, 0)).dataSync()[0]).toBe(1);
      });
      layer.dispose();
    });

    it('IMN subtracts the batch mean in training and the running mean (momentum 0.99) at inference', () => {
      const imn = inputMeanNormalization({ channels: 3 });
      tf.tidy(() => {
        const x = tf.randomNormal([2, 4, 4, 3], 5, 1, 'float32', 3);
        expectClose(tf.mean(imn.apply(x, { training: true }), [0, 1, 2]), [0, 0, 0], { atol: 1e-5, rtol: 0 });
        const batchMean = tf.mean(x, [0, 1, 2]);
        expectClose(imn.movingMean, tf.mul(batchMean, 0.01), { atol: 1e-5, rtol: 1e-4 });
        expectClose(imn.apply(x), tf.sub(x, imn.movingMean), tolerance);
        expect(imn.trainableVariables).toHaveLength(0);
      });
      expect(() => tf.tidy(() => imn.apply(tf.zeros([2, 5])))).toThrow(ShapeMismatchError);
      imn.dispose();
    });
  });

  describe('bad input', () => {
    it('names unknown parameterizations and activations', () => {
      expect(() => dense({ inputDim: 2, units: 2, parameterization: 'spectral' })).toThrow(UnknownNameError);
      expect(() => dense({ inputDim: 2, units: 2, parameterization: 'spectral' })).toThrow(/unknown parameterization "spectral"; known: standard/);
      expect(() => dense({ inputDim: 2, units: 2, activation: 'tanh' as never })).toThrow(/activation must be "relu" or "linear", got "tanh"/);
      const viaAlias = createParameterization('GmP', denseGeometry(2, 2));
      expect(viaAlias.name).toBe('geometric');
      viaAlias.dispose();
    });

    it('rejects non-positive or fractional sizes by name', () => {
      expect(() => dense({ inputDim: 2, units: 0 })).toThrow(/units must be a positive integer, got 0/);
      expect(() => dense({ inputDim: -1, units: 2 })).toThrow(InvalidArgumentError);
      expect(() => conv2d({ inputChannels: 3, filters: 2.5, kernelSize: 3 })).toThrow(/filters must be a positive integer, got 2.5/);
      expect(() => conv2d({ inputChannels: 3, filters: 2, kernelSize: 3, strides: 0 })).toThrow(/strides/);
      expect(() => conv2d({ inputChannels: 3, filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/padding/);
    });

    it('rejects shape mismatches with the shapes in the message', () => {
      const layer = dense({ inputDim: 3, units: 2 });
      const conv = conv2d({ inputChannels: 3, filters: 2, kernelSize: 3 });
      tf.tidy(() => {
        expect(() => layer.apply(tf.zeros([4, 5]))).toThrow(ShapeMismatchError);
        expect(() => layer.apply(tf.zeros([4, 5]))).toThrow(/dense input must have shape \[\*, 3\], got \[4, 5\]/);
        expect(() => conv.apply(tf.zeros([1, 4, 4, 2]))).toThrow(/conv2d input must have shape \[\*, \*, \*, 3\], got \[1, 4, 4, 2\]/);
      });
      layer.dispose();
      conv.dispose();
    });
  });
});

describe('parameterizations agree across backends', () => {
  it.each(PARAMETERIZATION_NAMES)('%s dense and conv outputs on cpu and wasm', async (name) => {
    const backends = backendPlan().run.filter((b) => b === 'cpu' || b === 'wasm');
    if (backends.length < 2) return;
    const outputs: Record<string, Float32Array[]> = {};
    for (const backend of backends) {
      await useBackend(backend);
      outputs[backend] = (['dense', 'conv2d'] as Kind[]).map((kind) => {
        const layer = makeLayer(kind, name, 21);
        const result = tf.tidy(() => {
          const x = makeInput(kind, 22);
          layer.apply(x, { training: true });
          return layer.apply(x, { training: true });
        });
        const values = result.dataSync() as Float32Array;
        result.dispose();
        layer.dispose();
        return values;
      });
    }
    for (let i = 0; i < 2; i++) {
      const a = outputs['cpu']![i]!;
      const b = outputs['wasm']![i]!;
      const maxDiff = Math.max(...a.map((v, j) => Math.abs(v - b[j]!)));
      report({ test: 'cpu-vs-wasm', parameterization: name, kind: i === 0 ? 'dense' : 'conv2d', maxAbsDiff: maxDiff });
      expect(maxDiff).toBeLessThan(1e-4);
    }
  });
});
