import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@geoparam/core';
import '@geoparam/backend-cpu/register';
import '@geoparam/backend-wasm/register';
import { conv2dBackpropFilterWasm, conv2dBackpropInputWasm, registerConv2dBackpropFilter, registerConv2dBackpropInput } from '@geoparam/backend-wasm';

type Case = { input: [number, number, number, number]; filter: [number, number, number, number]; strides: number | [number, number]; pad: 'same' | 'valid' };

const cases: Case[] = [
  { input: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { input: [2, 8, 9, 3], filter: [3, 2, 3, 5], strides: 2, pad: 'valid' },
  { input: [1, 9, 9, 2], filter: [3, 3, 2, 2], strides: 2, pad: 'same' },
  { input: [2, 6, 6, 3], filter: [1, 1, 3, 4], strides: 2, pad: 'same' },
  { input: [3, 10, 7, 2], filter: [5, 3, 2, 3], strides: [3, 1], pad: 'valid' },
  { input: [2, 9, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { input: [2, 8, 8, 2], filter: [5, 2, 2, 3], strides: 1, pad: 'same' },
  { input: [1, 6, 6, 4], filter: [1, 1, 4, 2], strides: 1, pad: 'valid' },
];

async function gradients(backend: string, c: Case) {
  await useBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal(c.input, 0, 1, 'float32', 1);
    const f = tf.randomNormal(c.filter, 0, 1, 'float32', 2);
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad))))([x, f]);
    return { dx: dx!.dataSync().slice(), df: df!.dataSync().slice() };
  });
}

function maxRelativeDiff(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

describe('conv gradients on wasm (our Conv2DBackpropFilter and stride-1 Conv2DBackpropInput)', () => {
  it.each(cases)('matches the cpu kernel within float32 summation error (rtol 1e-4) for %j', async (c) => {
    const cpu = await gradients('cpu', c);
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = await gradients('wasm', c);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelativeDiff(wasm.df, cpu.df)).toBeLessThan(1e-4);
    expect(maxRelativeDiff(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
  });

  it('registers once and reports SIMD', async () => {
    const report = await useBackend('wasm');
    registerConv2dBackpropFilter();
    registerConv2dBackpropInput();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc).toBe(conv2dBackpropFilterWasm);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc).toBe(conv2dBackpropInputWasm);
    expect(report.details['simd']).toBe(true);
    expect(report.details['threads']).toBe(false);
  });

  it('trains a conv filter without leaking wasm memory', async () => {
    await useBackend('wasm');
    const filter = tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 0.3, 'float32', 3));
    const x = tf.randomNormal([4, 8, 8, 2], 0, 1, 'float32', 4);
    const target = tf.randomNormal([4, 8, 8, 4], 0, 1, 'float32', 5);
    const optimizer = tf.train.sgd(0.01);
    const loss = () => tf.mean(tf.square(tf.sub(tf.conv2d(x as tf.Tensor4D, filter as unknown as tf.Tensor4D, 1, 'same'), target))) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]!);
    optimizer.minimize(loss);
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 30; i++) optimizer.minimize(loss);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    expect(tf.tidy(() => loss().dataSync()[0]!)).toBeLessThan(first);
    tf.dispose([filter, x, target]);
    optimizer.dispose();
  });
});
