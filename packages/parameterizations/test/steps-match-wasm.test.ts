// One training step of every parameterization, on every backend that can run it, against wasm:
// the output, the gradient of every trained variable, and the variables after the update. Single
// steps, not whole runs: WGSL trigonometry and GPU summation order differ from JS/XNNPACK in the
// last bits, and training amplifies such differences chaotically over thousands of steps.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@geoparam/core';
import { PARAMETERIZATION_NAMES, conv2d, dense, geometricAffine, type ParameterizationName, type ParameterizedLayer } from '@geoparam/parameterizations';
import { TOLERANCES, backendPlan, expectClose, type Tolerance } from '@geoparam/test-utils';
import { report } from './report';

type Kind = 'dense' | 'conv2d';

interface StepResult {
  output: Float32Array;
  gradients: Float32Array[];
  after: Float32Array[];
}

function makeLayer(kind: Kind, parameterization: ParameterizationName): ParameterizedLayer {
  return kind === 'dense'
    ? dense({ inputDim: 8, units: 16, parameterization, seed: 1 })
    : conv2d({ inputChannels: 3, filters: 8, kernelSize: 3, strides: 1, padding: 'same', parameterization, seed: 1 });
}

/**
 * Forward, MSE loss, gradients, one SGD update. SGD, not Adam: Adam's first update is lr·sign(g)
 * per coordinate, which turns float32 noise in a near-zero gradient into a full step.
 */
async function trainingStep(backend: string, kind: Kind, name: ParameterizationName): Promise<StepResult> {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const layer = makeLayer(kind, name);
  const x = kind === 'dense' ? tf.randomNormal([64, 8], 0, 1, 'float32', 2) : tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 2);
  const target = tf.tidy(() => tf.sin(tf.sum(x, -1, true)));
  const loss = () => tf.tidy(() => tf.mean(tf.square(tf.sub(layer.apply(x, { training: true }), target))) as tf.Scalar);
  const outputTensor = layer.apply(x, { training: true });
  const output = (await outputTensor.data()) as Float32Array;
  const variables = [...layer.trainableVariables];
  const { value, grads } = tf.variableGrads(loss, variables);
  const gradients = await Promise.all(variables.map(async (v) => (await grads[v.name]!.data()) as Float32Array));
  const optimizer = tf.train.sgd(0.1);
  optimizer.applyGradients(grads);
  const after = await Promise.all(variables.map(async (v) => (await v.data()) as Float32Array));
  optimizer.dispose();
  tf.dispose([outputTensor, value, grads, x, target]);
  layer.dispose();
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`a training step on ${backend} changed the live tensor count by ${leaked}`);
  return { output, gradients, after };
}

/** GmP's map and its gradient (against fixed weights) for an `[n + 1, units]` geometry with poles. */
async function gmpMap(backend: string, n: number, foldScale: boolean): Promise<Float32Array[]> {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const units = 8;
  const values = Array.from({ length: (n + 1) * units }, (_, i) => Math.sin(1.7 * i + n) * Math.PI);
  for (let i = 0; i < n - 1; i++) {
    values[i * units] = 0;
    values[i * units + 1] = Math.PI;
  }
  const geometry = tf.tensor2d(values, [n + 1, units]);
  const weights = tf.randomNormal([n, units], 0, 1, 'float32', 5);
  const parts = geometricAffine(geometry, { foldScale });
  const gradient = tf.grad((g: tf.Tensor) => {
    const p = geometricAffine(g as tf.Tensor2D, { foldScale });
    return tf.addN([tf.sum(tf.mul(p.kernel, weights)), tf.sum(tf.mul(p.bias, 0.3)), tf.sum(tf.mul(p.scale, -0.7))]);
  })(geometry);
  const out = await Promise.all([parts.kernel, parts.bias, parts.scale, gradient].map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([geometry, weights, parts.kernel, parts.bias, parts.scale, gradient]);
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`GmP's map on ${backend} changed the live tensor count by ${leaked}`);
  return out;
}

const plan = backendPlan({ asyncReads: true });
const others = plan.run.filter((b) => b !== 'wasm');
const cases = (['dense', 'conv2d'] as const).flatMap((kind) => PARAMETERIZATION_NAMES.map((name) => [kind, name] as const));

if (!plan.run.includes('wasm') || others.length === 0) {
  describe.skip(`one training step matches wasm: skipped (${!plan.run.includes('wasm') ? `wasm: ${plan.skipped['wasm']}` : Object.entries(plan.skipped).map(([b, r]) => `${b}: ${r}`).join('; ')})`, () => {
    it('needs wasm and another backend', () => undefined);
  });
}

for (const backend of plan.run.includes('wasm') ? others : []) {
  describe(`one training step on ${backend} matches wasm`, () => {
    // Outputs and gradients sum a few dozen products; WGSL sin/cos in GmP's map add ~1e-6.
    const tolerance: Tolerance = TOLERANCES[backend]!;
    // Both fused (wasm: float64 inside, one rounding; webgpu: WGSL with accurate sin/cos), so
    // close to float32 rounding of the products, poles included.
    it.each([
      [2, false],
      [3, true],
      [9, false],
      [33, true],
      [1153, false],
    ])("GmP's map and its gradient, n=%i, foldScale %s", async (n, foldScale) => {
      const expected = await gmpMap('wasm', n, foldScale);
      const actual = await gmpMap(backend, n, foldScale);
      actual.forEach((a, i) => expectClose(a, expected[i]!, { atol: 2e-6, rtol: 1e-5 }));
    });

    it.each(cases)('%s / %s: output, gradients and updated variables', async (kind, name) => {
      const expected = await trainingStep('wasm', kind, name);
      const actual = await trainingStep(backend, kind, name);
      const worst = (a: Float32Array, e: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - e[i]!)), 0);
      report({ test: 'step-vs-wasm', backend, kind, parameterization: name, output: worst(actual.output, expected.output), gradients: Math.max(...actual.gradients.map((g, i) => worst(g, expected.gradients[i]!))) });
      expectClose(actual.output, expected.output, tolerance);
      expect(actual.gradients.length).toBe(expected.gradients.length);
      actual.gradients.forEach((g, i) => expectClose(g, expected.gradients[i]!, tolerance));
      actual.after.forEach((v, i) => expectClose(v, expected.after[i]!, tolerance));
    });
  });
}
