import * as tf from '@tensorflow/tfjs-core';
import { backendPlan, checkGradients, compare, describeEachBackend, expectClose } from '@geoparam/test-utils';

describe('compare / expectClose', () => {
  it('accepts values within atol + rtol |expected| and names the first that is not', () => {
    expect(compare([1, 2.0001], [1, 2], { atol: 0, rtol: 1e-4 }).firstFailure).toBe(-1);
    expect(() => expectClose([1, 2.01, 5], [1, 2, 4], { atol: 1e-3, rtol: 0 })).toThrow(/not close at index 1: 2.01 vs 2/);
    expect(() => expectClose([Number.NaN], [0], { atol: 1, rtol: 1 })).toThrow(/not close at index 0/);
    expect(() => expectClose([1, 2], [1], { atol: 1, rtol: 1 })).toThrow(/length 2 != expected length 1/);
  });
});

describe('backendPlan', () => {
  it('honours GEOPARAM_TEST_BACKENDS and gives a reason for every skipped backend', () => {
    const saved = process.env['GEOPARAM_TEST_BACKENDS'];
    process.env['GEOPARAM_TEST_BACKENDS'] = 'wasm';
    const plan = backendPlan();
    expect(plan.run).toEqual(['wasm']);
    expect(plan.skipped['cpu']).toBe('not in GEOPARAM_TEST_BACKENDS');
    expect(plan.skipped['cuda']).toBeDefined();
    if (saved === undefined) delete process.env['GEOPARAM_TEST_BACKENDS'];
    else process.env['GEOPARAM_TEST_BACKENDS'] = saved;
  });
});

describeEachBackend('checkGradients', () => {
  it('agrees with a correct gradient', () => {
    const x = tf.tidy(() => tf.variable(tf.tensor1d([0.3, -1.2, 2])));
    const result = checkGradients(() => tf.sum(tf.mul(tf.sin(x), tf.square(x))), [x], { step: 1e-2 });
    expect(result.checked).toBe(3);
    expect(result.maxError).toBeLessThan(1e-3);
    x.dispose();
  });

  it('catches a wrong gradient', () => {
    // Identity forward, doubled backward: finite differences must disagree.
    const wrong = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
      save([a]);
      return { value: tf.clone(a), gradFunc: (dy: tf.Tensor) => tf.mul(dy, 2) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const x = tf.tidy(() => tf.variable(tf.tensor1d([0.5, 1.5])));
    const result = checkGradients(() => tf.sum(wrong(x) as tf.Tensor), [x]);
    expect(result.maxError).toBeGreaterThan(0.3);
    expect(result.worst).not.toBeNull();
    x.dispose();
  });
});
