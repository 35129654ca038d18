import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@geoparam/core';
import { cartesianToHyperspherical, hypersphericalToCartesian } from '@geoparam/parameterizations';
import { checkGradients, describeEachBackend, expectClose } from '@geoparam/test-utils';

/** The map written the slow, obviously-correct way: one multiply per coordinate, tfjs autodiff. */
function naiveMap(theta: tf.Tensor2D): tf.Tensor2D {
  const [m, units] = theta.shape;
  const s = tf.sin(theta);
  const c = tf.cos(theta);
  const out: tf.Tensor[] = [];
  let product: tf.Tensor = tf.ones([1, units]);
  for (let i = 0; i < m; i++) {
    out.push(tf.mul(product, tf.slice(c, [i, 0], [1, units])));
    product = tf.mul(product, tf.slice(s, [i, 0], [1, units]));
  }
  out.push(product);
  return tf.concat(out, 0) as tf.Tensor2D;
}

describeEachBackend('hyperspherical map', ({ tolerance }) => {
  it('maps known angles to known vectors', () => tf.tidy(() => {
    const theta = tf.tensor2d([[Math.PI / 2], [Math.PI / 4]], [2, 1]);
    const u = hypersphericalToCartesian(theta);
    const h = Math.SQRT1_2;
    expectClose(u, [0, h, h], tolerance);
  }));

  it.each([2, 3, 5, 50])('round-trips random directions over the whole sphere (n=%i)', (n) => tf.tidy(() => {
    // Gaussian columns hit every orthant, including a negative last coordinate.
    const w = tf.randomNormal([n, 64], 0, 3, 'float32', n) as tf.Tensor2D;
    const { theta, radius } = cartesianToHyperspherical(w);
    expect(theta.shape).toEqual([n - 1, 64]);
    expect(radius.shape).toEqual([1, 64]);
    const u = hypersphericalToCartesian(theta);
    const expected = tf.div(w, radius);
    expectClose(u, expected, { atol: 2e-5 * Math.sqrt(n), rtol: 1e-4 });
    const norms = tf.sqrt(tf.sum(tf.square(u), 0));
    expectClose(norms, tf.onesLike(norms), { atol: 1e-5, rtol: 0 });
    const negativeLast = tf.less(tf.slice(w, [n - 1, 0], [1, 64]), 0);
    expect(tf.any(negativeLast).dataSync()[0]).toBe(1);
  }));

  it('keeps the angle ranges: polar in [0, pi], last in (-pi, pi]', () => tf.tidy(() => {
    const w = tf.randomNormal([6, 200], 0, 1, 'float32', 3) as tf.Tensor2D;
    const { theta } = cartesianToHyperspherical(w);
    const values = theta.arraySync();
    for (let i = 0; i < 4; i++) for (const t of values[i]!) expect(t >= 0 && t <= Math.PI + 1e-6).toBe(true);
    expect(Math.min(...values[4]!)).toBeLessThan(-1);
  }));

  it('maps a zero column to e1 with radius 0', () => tf.tidy(() => {
    const w = tf.zeros([3, 1]) as tf.Tensor2D;
    const { theta, radius } = cartesianToHyperspherical(w);
    const u = hypersphericalToCartesian(theta);
    expectClose(u, [1, 0, 0], tolerance);
    expectClose(radius, [0], tolerance);
  }));

  it.each([2, 3, 7, 33])('has the gradient of the naive product (n=%i), including at the poles', (n) => tf.tidy(() => {
    const random = tf.randomUniform([n - 1, 8], -Math.PI, Math.PI, 'float32', 11).arraySync() as number[][];
    // Put exact poles (sin = 0) and near-poles in some columns.
    for (let i = 0; i < n - 1; i++) {
      random[i]![0] = 0;
      random[i]![1] = Math.PI;
      random[i]![2] = 1e-7;
    }
    const theta = tf.tensor2d(random);
    const weights = tf.randomNormal([n, 8], 0, 1, 'float32', 5);
    const loss = (f: (t: tf.Tensor2D) => tf.Tensor2D) => (t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor2D), weights));
    const fast = tf.grad(loss(hypersphericalToCartesian))(theta);
    const naive = tf.grad(loss(naiveMap))(theta);
    expect(tf.all(tf.isFinite(fast)).dataSync()[0]).toBe(1);
    expectClose(fast, naive, { atol: 1e-5, rtol: 1e-4 });
  }));

  it('matches central finite differences', async () => {
    const theta = tf.tidy(() => tf.variable(tf.randomUniform([4, 3], 0.2, 2.9, 'float32', 2)));
    const weights = tf.randomNormal([5, 3], 0, 1, 'float32', 9);
    const result = await checkGradients(() => tf.sum(tf.mul(hypersphericalToCartesian(theta as unknown as tf.Tensor2D), weights)), [theta], {
      step: 1e-2,
      samplesPerVariable: 12,
    });
    expect(result.maxError).toBeLessThan(2e-3);
    tf.dispose([theta, weights]);
  });

  it('rejects fan-in 1 and non-matrix input with typed errors', () => tf.tidy(() => {
    const empty = tf.zeros([0, 3]) as tf.Tensor2D;
    const vector = tf.zeros([3]) as unknown as tf.Tensor2D;
    const single = tf.zeros([1, 3]) as tf.Tensor2D;
    expect(() => hypersphericalToCartesian(empty)).toThrow(InvalidArgumentError);
    expect(() => hypersphericalToCartesian(vector)).toThrow(/theta.shape must be/);
    expect(() => cartesianToHyperspherical(single)).toThrow(/w.shape must be \[n, units\] with n >= 2, got \[1, 3\]/);
  }));
});
