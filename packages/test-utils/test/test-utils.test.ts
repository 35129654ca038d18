import * as tf from '@tensorflow/tfjs-core';
import { WEBGPU_PROBE_ENV, backendPlan, checkGradients, compare, describeEachBackend, expectClose, expectCloseAsync } from '@geoparam/test-utils';

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

  it('runs webgpu only for suites that read asynchronously, and says why otherwise', () => {
    const sync = backendPlan();
    expect(sync.run).not.toContain('webgpu');
    expect(sync.skipped['webgpu']).toMatch(/synchronously|GEOPARAM_TEST_BACKENDS|not installed/);
    const asyncPlan = backendPlan({ asyncReads: true });
    // Either it runs (an adapter exists) or the reason says what is missing.
    if (!asyncPlan.run.includes('webgpu')) expect(asyncPlan.skipped['webgpu']).toMatch(/adapter|GEOPARAM_TEST_BACKENDS|not installed|Dawn|webgpu/);
  });

  it('skips webgpu with the suite\'s reason on a software adapter when the suite is too slow there', () => {
    const saved = process.env[WEBGPU_PROBE_ENV];
    const savedBackends = process.env['GEOPARAM_TEST_BACKENDS'];
    process.env['GEOPARAM_TEST_BACKENDS'] = 'webgpu';
    const plan = (software: boolean) => {
      process.env[WEBGPU_PROBE_ENV] = JSON.stringify({ available: true, adapter: 'test adapter', software, driver: 'test' });
      return backendPlan({ asyncReads: true, tooSlowOnSoftwareWebGPU: 'long training runs' });
    };
    try {
      const software = plan(true);
      const hardware = plan(false);
      expect(software.run).not.toContain('webgpu');
      expect(software.skipped['webgpu']).toBe('long training runs (software adapter test adapter)');
      expect(hardware.run).toContain('webgpu');
    } finally {
      if (saved === undefined) delete process.env[WEBGPU_PROBE_ENV];
      else process.env[WEBGPU_PROBE_ENV] = saved;
      if (savedBackends === undefined) delete process.env['GEOPARAM_TEST_BACKENDS'];
      else process.env['GEOPARAM_TEST_BACKENDS'] = savedBackends;
    }
  });
});

describeEachBackend('checkGradients', ({ backend }) => {
  it('agrees with a correct gradient', async () => {
    const x = tf.tidy(() => tf.variable(tf.tensor1d([0.3, -1.2, 2])));
    const result = await checkGradients(() => tf.sum(tf.mul(tf.sin(x), tf.square(x))), [x], { step: 1e-2 });
    x.dispose();
    expect(result.checked).toBe(3);
    // SwiftShader's WGSL sin is off by ~2e-5, which a 2e-2 difference quotient magnifies: 1.2e-3 measured.
    expect(result.maxError).toBeLessThan(backend === 'webgpu' ? 5e-3 : 1e-3);
  });

  it('catches a wrong gradient', async () => {
    // Identity forward, doubled backward: finite differences must disagree.
    const wrong = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
      save([a]);
      return { value: tf.clone(a), gradFunc: (dy: tf.Tensor) => tf.mul(dy, 2) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const x = tf.tidy(() => tf.variable(tf.tensor1d([0.5, 1.5])));
    const result = await checkGradients(() => tf.sum(wrong(x) as tf.Tensor), [x]);
    expect(result.maxError).toBeGreaterThan(0.3);
    expect(result.worst).not.toBeNull();
    x.dispose();
  });

  it('compares tensors read asynchronously', async () => {
    const a = tf.tensor1d([1, 2.0001]);
    const b = tf.tensor1d([1, 2]);
    await expectCloseAsync(a, b, { atol: 0, rtol: 1e-4 });
    await expect(expectCloseAsync(a, b, { atol: 1e-6, rtol: 0 })).rejects.toThrow(/not close at index 1/);
    tf.dispose([a, b]);
  });
}, { asyncReads: true });
