import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@geoparam/core';
import { conv2d, dense, geometricAffine, geometricAffineReference, hasGeometricAffineKernels, type ParameterizedLayer } from '@geoparam/parameterizations';
import { describeEachBackend, expectClose } from '@geoparam/test-utils';

/**
 * The fused kernels compute in float64 and round once; the composite rounds after every op. Over
 * a product of up to 32 sines the two differ by a few float32 ulps of the largest term.
 */
const FORWARD = { atol: 2e-6, rtol: 1e-5 };
const GRADIENT = { atol: 1e-5, rtol: 1e-4 };

/** Random angles with exact poles (0, pi) and near-poles in the first columns, radii of every sign. */
function geometryWithPoles(n: number, units: number, seed: number): tf.Tensor2D {
  const values = tf.randomUniform([n + 1, units], -Math.PI, Math.PI, 'float32', seed).arraySync() as number[][];
  for (let i = 0; i < n - 1; i++) {
    values[i]![0] = 0;
    values[i]![1] = Math.PI;
    values[i]![2] = 1e-7;
  }
  values[n]![3] = 0;
  values[n]![4] = -1.5;
  values[n]![5] = 2;
  return tf.tensor2d(values);
}

const parts = (p: { kernel: tf.Tensor; bias: tf.Tensor; scale: tf.Tensor }) => [p.kernel, p.bias, p.scale];

describeEachBackend('GmP fused affine kernels', ({ backend }) => {
  it('are registered by the cpu and wasm backends', () => {
    expect(hasGeometricAffineKernels()).toBe(backend === 'cpu' || backend === 'wasm');
  });

  describe.each([false, true])('foldScale %s', (foldScale) => {
    it.each([2, 3, 9, 33])('equal the composite forward, poles included (n=%i)', (n) => tf.tidy(() => {
      const geometry = geometryWithPoles(n, 8, n);
      const fused = parts(geometricAffine(geometry, { foldScale }));
      const reference = parts(geometricAffineReference(geometry, { foldScale }));
      fused.forEach((t, i) => expectClose(t, reference[i]!, FORWARD));
      expect(fused.map((t) => t.shape)).toEqual([[n, 8], [8], [8]]);
    }));

    it.each([2, 3, 9, 33])('equal the composite gradient, poles included (n=%i)', (n) => tf.tidy(() => {
      const geometry = geometryWithPoles(n, 8, 10 + n);
      const weights = [tf.randomNormal([n, 8], 0, 1, 'float32', 1), tf.randomNormal([8], 0, 1, 'float32', 2), tf.randomNormal([8], 0, 1, 'float32', 3)];
      const loss = (f: typeof geometricAffine) => (g: tf.Tensor) =>
        tf.addN(parts(f(g as tf.Tensor2D, { foldScale })).map((t, i) => tf.sum(tf.mul(t, weights[i]!))));
      const fused = tf.grad(loss(geometricAffine))(geometry);
      const reference = tf.grad(loss(geometricAffineReference))(geometry);
      expect(tf.all(tf.isFinite(fused)).dataSync()[0]).toBe(1);
      expectClose(fused, reference, GRADIENT);
    }));

    it('takes the gradient of the kernel alone (no gradient reaches bias and scale)', () => tf.tidy(() => {
      const geometry = geometryWithPoles(5, 6, 4);
      const weights = tf.randomNormal([5, 6], 0, 1, 'float32', 5);
      const loss = (f: typeof geometricAffine) => (g: tf.Tensor) => tf.sum(tf.mul(f(g as tf.Tensor2D, { foldScale }).kernel, weights));
      expectClose(tf.grad(loss(geometricAffine))(geometry), tf.grad(loss(geometricAffineReference))(geometry), GRADIENT);
    }));
  });

  it('rejects a geometry without angles with a typed error', () => tf.tidy(() => {
    expect(() => geometricAffine(tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(InvalidArgumentError);
    expect(() => geometricAffine(tf.zeros([4, 3], 'int32') as tf.Tensor2D)).toThrow(/geometry must be float32/);
  }));

  /** `r relu(x u + lambda)` spelled out with the composite map: what a GmP layer must compute. */
  function referenceLayer(layer: ParameterizedLayer, x: tf.Tensor): (g: tf.Tensor) => tf.Tensor {
    return (g) => {
      const { kernel, bias, scale } = geometricAffineReference(g as tf.Tensor2D);
      const z =
        x.rank === 2
          ? tf.matMul(x as tf.Tensor2D, kernel)
          : tf.conv2d(x as tf.Tensor4D, tf.reshape(kernel, layer.geometry.kernelShape as [number, number, number, number]) as tf.Tensor4D, 1, 'same');
      return tf.mul(tf.relu(tf.add(z, bias)), scale);
    };
  }

  // The layer folds |r| into kernel and bias and applies sign(r) after the ReLU, for radii of every
  // sign. At r = 0 exactly the unit is off: output 0 and no gradient (d/dr of r relu(z) would be
  // relu(z)), so the reference's gradient for that one radius is taken as 0.
  it.each([
    ['dense', 'r > 0'],
    ['dense', 'some r <= 0'],
    ['conv2d', 'r > 0'],
    ['conv2d', 'some r <= 0'],
  ])('a %s GmP layer computes r relu(x u + lambda) and its gradient (%s)', (kind, radii) => {
    const layer =
      kind === 'dense'
        ? dense({ inputDim: 6, units: 5, parameterization: 'geometric', seed: 3 })
        : conv2d({ inputChannels: 2, filters: 5, kernelSize: 3, parameterization: 'geometric', seed: 3 });
    const variable = layer.parameterization.variables['geometry']!;
    try {
      tf.tidy(() => {
        if (radii !== 'r > 0') {
          const [rows, units] = variable.shape as [number, number];
          const r = tf.tensor2d([[0.7, -0.4, 0, 1.3, 0.2]]);
          variable.assign(tf.concat([tf.slice(variable, [0, 0], [rows - 1, units]), r], 0));
        }
        const x = kind === 'dense' ? tf.randomNormal([32, 6], 0, 1, 'float32', 4) : tf.randomNormal([2, 5, 5, 2], 0, 1, 'float32', 4);
        const out = layer.apply(x, { training: true });
        const weights = tf.randomNormal(out.shape, 0, 1, 'float32', 6);
        const reference = referenceLayer(layer, x);
        expectClose(out, reference(variable), FORWARD);
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }), weights)), [variable]);
        const expected = tf.grad((g: tf.Tensor) => tf.sum(tf.mul(reference(g), weights)))(variable);
        const [rows, units] = variable.shape as [number, number];
        const zeroRadius = tf.concat([tf.ones([rows - 1, units]), tf.cast(tf.notEqual(tf.slice(variable, [rows - 1, 0], [1, units]), 0), 'float32')], 0);
        expectClose(grads[variable.name]!, tf.mul(expected, zeroRadius), GRADIENT);
      });
    } finally {
      layer.dispose();
    }
  });
});
