import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, UnknownNameError } from '@geoparam/core';
import { dense } from '@geoparam/parameterizations';
import {
  angleBetween,
  locationShift,
  perturbationStudy,
  snapshotOf,
  snapshotStability,
  stepStability,
} from '@geoparam/cab';
import { describeEachBackend, expectClose, expectCloseAsync } from '@geoparam/test-utils';

function setVariables(layer: ReturnType<typeof dense>, values: Record<string, number[]>): void {
  tf.tidy(() => {
    for (const [key, v] of Object.entries(values)) {
      const variable = layer.parameterization.variables[key]!;
      variable.assign(tf.tensor(v, variable.shape));
    }
  });
}

describeEachBackend('CAB geometry', ({ tolerance }) => {
  it('angles between normals, orientation included', async () => {
    const a = tf.tensor2d([[1, 1, 1, 1], [0, 0, 1, 0]]);
    const b = tf.tensor2d([[0, -1, 2, 1], [1, 0, 2, 1]]);
    const angles = angleBetween(a, b);
    const shifts = locationShift(a, b);
    // WGSL's acos near +-1 is coarser than JS's: 1e-2 degrees on webgpu.
    await expectCloseAsync(angles, [90, 180, 0, 45], { atol: 1e-2, rtol: 0 });
    await expectCloseAsync(shifts, [Math.SQRT2, 2, Math.SQRT2, 1], tolerance);
    expect(() => tf.tidy(() => angleBetween(a, tf.zeros([3, 4]) as tf.Tensor2D))).toThrow(ShapeMismatchError);
    tf.dispose([a, b, angles, shifts]);
  });

  it('SP: u = w/|w|, lambda = b/|w|, phi = -lambda u', async () => {
    const layer = dense({ inputDim: 2, units: 1 });
    setVariables(layer, { kernel: [3, 4], bias: [5] });
    const s = await snapshotOf(layer);
    expectClose(s.direction.flat(), [0.6, 0.8], tolerance);
    expectClose(s.offset, [1], tolerance);
    expectClose(s.location.flat(), [-0.6, -0.8], tolerance);
    layer.dispose();
  });

  it('WN: u = v/|v|, lambda = b/g', async () => {
    const layer = dense({ inputDim: 2, units: 1, parameterization: 'weightNorm' });
    setVariables(layer, { v: [3, 4], g: [2], bias: [4] });
    const s = await snapshotOf(layer);
    expectClose(s.direction.flat(), [0.6, 0.8], tolerance);
    expectClose(s.offset, [2], tolerance);
    expectClose(s.location.flat(), [-1.2, -1.6], tolerance);
    layer.dispose();
  });

  it('BN: the effective bias b - mu + sigma beta / gamma with running statistics', async () => {
    const layer = dense({ inputDim: 2, units: 1, parameterization: 'batchNorm', epsilon: 1e-3, activation: 'linear' });
    setVariables(layer, { kernel: [3, 4], bias: [1], gamma: [2], beta: [1], movingMean: [2], movingVariance: [3] });
    const sigma = Math.sqrt(3 + 1e-3);
    const lambda = (1 - 2 + sigma / 2) / 5;
    const s = await snapshotOf(layer);
    expectClose(s.direction.flat(), [0.6, 0.8], tolerance);
    expectClose(s.offset, [lambda], tolerance);
    expectClose(s.location.flat(), [-0.6 * lambda, -0.8 * lambda], tolerance);
    // The BN boundary is where the unit's inference pre-activation is zero.
    const phi = tf.tensor2d([s.location[0]!], [1, 2]);
    const linear = layer.apply(phi);
    await expectCloseAsync(linear, [0], { atol: 1e-5, rtol: 0 });
    tf.dispose([phi, linear]);
    layer.dispose();
  });

  it('GmP: u = u(theta), lambda read directly', async () => {
    const layer = dense({ inputDim: 2, units: 1, parameterization: 'geometric' });
    setVariables(layer, { geometry: [Math.PI / 3, 0.5, 2] });
    const s = await snapshotOf(layer);
    expectClose(s.direction.flat(), [0.5, Math.sqrt(3) / 2], tolerance);
    expectClose(s.offset, [0.5], tolerance);
    expectClose(s.location.flat(), [-0.25, -Math.sqrt(3) / 4], tolerance);
    layer.dispose();
  });

  it('per-step stability: tensors and host snapshots agree', async () => {
    const layer = dense({ inputDim: 3, units: 5, parameterization: 'standard', seed: 2 });
    const before = layer.parameterization.boundary();
    const beforeHost = await snapshotOf(layer);
    tf.tidy(() => {
      const w = layer.parameterization.variables['kernel']!;
      w.assign(tf.add(w, tf.randomNormal(w.shape, 0, 0.1, 'float32', 3)));
      const b = layer.parameterization.variables['bias']!;
      b.assign(tf.add(b, 0.2));
    });
    const after = layer.parameterization.boundary();
    const onDevice = await stepStability(before, after);
    const onHost = snapshotStability(beforeHost, await snapshotOf(layer));
    expectClose(onDevice.angleChange, onHost.angleChange, { atol: 1e-2, rtol: 1e-3 });
    expectClose(onDevice.locationShift, onHost.locationShift, { atol: 1e-5, rtol: 1e-4 });
    expect(onDevice.maxAngleChange).toBeCloseTo(Math.max(...onHost.angleChange), 2);
    expect(onDevice.maxLocationShift).toBeGreaterThan(0);
    tf.dispose([before.direction, before.offset, before.location, after.direction, after.offset, after.location]);
    layer.dispose();
    expect(() => snapshotStability(beforeHost, { direction: [], offset: [], location: [] })).toThrow(InvalidArgumentError);
  });
}, { asyncReads: true });

describeEachBackend('Figure 1 perturbation study', () => {
  it('GmP turns by exactly delta radians; SP and WN turn by orders of magnitude more', async () => {
    const study = await perturbationStudy({ seed: 1 });
    expect(study.kernel).toHaveLength(2);
    const get = (method: string, delta: number) => study.results.find((r) => r.method === method && r.delta === delta)!;
    for (const delta of [1e-4, 1e-3, 1e-2, 1e-1]) {
      // Thm 3.7 with one angle: the turn equals |eps| (radians).
      expect(get('geometric', delta).angleChange).toBeCloseTo((delta * 180) / Math.PI, delta < 1e-3 ? 2 : 3);
    }
    for (const method of ['standard', 'weightNorm']) {
      expect(get(method, 1e-2).angleChange).toBeGreaterThan(10 * get('geometric', 1e-2).angleChange);
      expect(get(method, 1e-1).angleChange).toBeGreaterThan(45);
      expect(get(method, 1e-2).locationShift).toBeGreaterThan(10 * get('geometric', 1e-2).locationShift);
    }
    // Every method starts from the same boundary.
    const starts = study.results.map((r) => r.before.location.flat());
    for (const s of starts) expectClose(s, starts[0]!, { atol: 1e-5, rtol: 1e-4 });
  });

  it('is repeatable for a seed and validates its options', async () => {
    const a = await perturbationStudy({ seed: 3, deltas: [0.01] });
    const b = await perturbationStudy({ seed: 3, deltas: [0.01] });
    expect(a.results.map((r) => r.angleChange)).toEqual(b.results.map((r) => r.angleChange));
    await expect(perturbationStudy({ deltas: [] })).rejects.toThrow(/deltas must be a non-empty list/);
    await expect(perturbationStudy({ deltas: [Number.NaN] })).rejects.toThrow(/deltas\[0\] must be a finite number/);
    await expect(perturbationStudy({ methods: ['dropout'] })).rejects.toThrow(UnknownNameError);
    await expect(perturbationStudy({ scale: 0 })).rejects.toThrow(/scale must be a positive finite number, got 0/);
    await expect(perturbationStudy({ inputDim: 0 })).rejects.toThrow(/inputDim must be a positive integer/);
  });
}, { asyncReads: true });
