import * as tf from '@tensorflow/tfjs-core';
import { ConversionError, NonFiniteError, ShapeMismatchError } from '@geoparam/core';
import { Conv2D, Dense, PARAMETERIZATION_NAMES, conv2d, dense, geometric, removeParameterizations, weightNorm } from '@geoparam/parameterizations';
import { describeEachBackend, expectCloseAsync, type Tolerance } from '@geoparam/test-utils';
import { makeInput, makeLayer, perturbBiases, type Kind } from './fixtures';

/** Reads both sides of each pair with `await data()` and compares them. */
async function expectAllClose(pairs: [tf.Tensor, tf.Tensor | number[]][], tolerance: Tolerance): Promise<void> {
  for (const [actual, expected] of pairs) await expectCloseAsync(actual, expected, tolerance);
}

// Conversion (bake, load, reparameterize, the one-line wrappers) reads the device only with
// `await data()`, so this suite runs on webgpu too.
describeEachBackend(
  'conversion between parameterizations',
  ({ backend, tolerance }) => {
    // cpu/wasm: a round trip through angles costs a few float32 ulp. webgpu: WGSL's sin/cos/atan2
    // are specified to a few ulp at best and GPU sums run in tiles, so its suite-wide bound applies.
    const functionTolerance: Tolerance = backend === 'webgpu' ? tolerance : { atol: 5e-5, rtol: 5e-4 };
    const weightTolerance: Tolerance = backend === 'webgpu' ? tolerance : { atol: 2e-6, rtol: 2e-5 };
    const kinds: Kind[] = ['dense', 'conv2d'];
    const cases = kinds.flatMap((kind) => PARAMETERIZATION_NAMES.map((name) => [kind, name] as const));

    it.each(cases)('%s / %s: converts from plain weights and bakes back without changing the function', async (kind, name) => {
      const plain = makeLayer(kind, 'standard', 7, 'relu');
      await perturbBiases(plain);
      const x = makeInput(kind, 8);
      const expected = plain.apply(x);
      const weights = await plain.bake();
      const converted = await plain.reparameterize(name);
      expect(converted).toBe(plain);
      expect(converted.parameterization.name).toBe(name);
      const actual = converted.apply(x);
      const baked = await converted.bake();
      try {
        await expectCloseAsync(actual, expected, functionTolerance);
        await expectAllClose([[baked.kernel, weights.kernel], [baked.bias, weights.bias]], weightTolerance);
      } finally {
        tf.dispose([x, expected, actual, weights.kernel, weights.bias, baked.kernel, baked.bias]);
        plain.dispose();
      }
    });

    it('handles fan-in 1 with an untrained sign direction: r * relu(sign(w) x + lambda)', async () => {
      const layer = dense({ inputDim: 1, units: 3, parameterization: 'standard' });
      const kernel = tf.tensor2d([[2, -0.5, 1]]);
      const bias = tf.tensor1d([1, 1, -3]);
      await layer.load({ kernel, bias });
      expect(await geometric(layer)).toBe(layer);
      const p = layer.parameterization;
      expect(p.trainableVariables).toHaveLength(1);
      expect(p.variables['signs']!.trainable).toBe(false);
      const x = tf.tensor2d([[-1], [0.5], [4]]);
      const expected = tf.tidy(() => tf.relu(tf.add(tf.matMul(x, kernel), bias)));
      const actual = layer.apply(x);
      try {
        await expectCloseAsync(p.variables['signs']!, [1, -1, 1], tolerance);
        // [lambda; r] = [b/|w|; |w|]
        await expectCloseAsync(p.variables['geometry']!, [0.5, 2, -3, 2, 0.5, 1], tolerance);
        await expectCloseAsync(actual, expected, tolerance);
      } finally {
        tf.dispose([kernel, bias, x, expected, actual]);
        layer.dispose();
      }
    });

    it('refuses to bake a ReLU unit with negative radius, naming the unit; a linear unit bakes', async () => {
      const layer = dense({ inputDim: 2, units: 3, parameterization: 'geometric', seed: 1 });
      tf.tidy(() => {
        const g = layer.parameterization.variables['geometry']!;
        g.assign(tf.concat([tf.slice(g, [0, 0], [2, 3]), tf.tensor2d([[1, -1, 1]])], 0));
      });
      const before = tf.memory().numTensors;
      await expect(layer.bake()).rejects.toThrow(ConversionError);
      await expect(layer.bake()).rejects.toThrow(/units \[1\]/);
      await expect(removeParameterizations(layer)).rejects.toThrow(/units \[1\] have a negative GmP radius under ReLU/);
      expect(tf.memory().numTensors).toBe(before);
      expect(layer.parameterization.name).toBe('geometric');
      layer.dispose();
      const linear = dense({ inputDim: 2, units: 1, parameterization: 'geometric', activation: 'linear', seed: 1 });
      tf.tidy(() => linear.parameterization.variables['geometry']!.assign(tf.tensor2d([[0.3], [0.2], [-2]])));
      const { kernel, bias } = await linear.bake();
      try {
        await expectCloseAsync(kernel, [-2 * Math.cos(0.3), -2 * Math.sin(0.3)], tolerance);
        await expectCloseAsync(bias, [-0.4], tolerance);
      } finally {
        tf.dispose([kernel, bias]);
        linear.dispose();
      }
    });

    it('BN bakes to the plain map it computes at inference', async () => {
      const layer = dense({ inputDim: 3, units: 2, parameterization: 'batchNorm', seed: 1, activation: 'linear', momentum: 0.5 });
      const x = tf.randomNormal([64, 3], 2, 3, 'float32', 1);
      tf.tidy(() => {
        layer.apply(x, { training: true });
      });
      const { kernel, bias } = await layer.bake();
      const inference = layer.apply(x);
      const plain = tf.tidy(() => tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias));
      try {
        await expectCloseAsync(inference, plain, { atol: 1e-4, rtol: 1e-4 });
      } finally {
        tf.dispose([x, kernel, bias, inference, plain]);
        layer.dispose();
      }
    });

    it('checks shapes before reading anything', async () => {
      const layer = dense({ inputDim: 3, units: 2 });
      const wrongKernel = tf.zeros([2, 3]);
      const wrongBias = tf.zeros([3]) as tf.Tensor1D;
      const kernel = tf.zeros([3, 2]);
      const bias = tf.zeros([2]) as tf.Tensor1D;
      try {
        await expect(layer.load({ kernel: wrongKernel, bias })).rejects.toThrow(ShapeMismatchError);
        await expect(layer.load({ kernel: wrongKernel, bias })).rejects.toThrow(/kernel must have shape \[3, 2\], got \[2, 3\]/);
        await expect(layer.load({ kernel, bias: wrongBias })).rejects.toThrow(/bias must have shape \[2\], got \[3\]/);
      } finally {
        tf.dispose([wrongKernel, wrongBias, kernel, bias]);
        layer.dispose();
      }
    });

    it.each(PARAMETERIZATION_NAMES)('rejects NaN weights when loading into %s, leaving the layer as it was', async (name) => {
      const layer = dense({ inputDim: 2, units: 2, parameterization: name, seed: 3 });
      const kernel = tf.tensor2d([[1, Number.NaN], [0, 1]]);
      const zeros = tf.zeros([2]) as tf.Tensor1D;
      const ones = tf.ones([2, 2]);
      const infinite = tf.tensor1d([0, Infinity]);
      const x = tf.tensor2d([[0.5, -1]]);
      const before = layer.apply(x);
      try {
        await expect(layer.load({ kernel, bias: zeros })).rejects.toThrow(NonFiniteError);
        await expect(layer.load({ kernel, bias: zeros })).rejects.toThrow(/kernel holds a non-finite value NaN at flat index 1/);
        await expect(layer.load({ kernel: ones, bias: infinite })).rejects.toThrow(/bias holds a non-finite value Infinity/);
        const after = layer.apply(x);
        await expectCloseAsync(after, before, { atol: 0, rtol: 0 });
        after.dispose();
      } finally {
        tf.dispose([kernel, zeros, ones, infinite, x, before]);
        layer.dispose();
      }
    });

    it('refuses to reparameterize a diverged layer (NaN weights), keeping its parameterization', async () => {
      const layer = dense({ inputDim: 2, units: 2, seed: 1 });
      tf.tidy(() => layer.parameterization.variables['kernel']!.assign(tf.tensor2d([[1, 0], [Number.NaN, 1]])));
      const before = tf.memory().numTensors;
      await expect(geometric(layer)).rejects.toThrow(/kernel holds a non-finite value NaN at flat index 2/);
      expect(tf.memory().numTensors).toBe(before);
      expect(layer.parameterization.name).toBe('standard');
      layer.dispose();
    });

    it('wraps layers in one line and removes the parameterization again', async () => {
      const layer = await weightNorm(dense({ inputDim: 2, units: 3, seed: 1 }));
      expect(layer).toBeInstanceOf(Dense);
      expect(layer.parameterization.name).toBe('weightNorm');
      expect((await geometric(layer)).parameterization.name).toBe('geometric');
      expect((await removeParameterizations(layer)).parameterization.name).toBe('standard');
      layer.dispose();
      const conv = await geometric(conv2d({ inputChannels: 2, filters: 2, kernelSize: [3, 1] }));
      expect(conv).toBeInstanceOf(Conv2D);
      expect(conv.parameterization.geometry.fanIn).toBe(6);
      conv.dispose();
    });
  },
  { asyncReads: true },
);
