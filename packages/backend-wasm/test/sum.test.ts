import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@geoparam/core';
import '@geoparam/backend-cpu/register';
import '@geoparam/backend-wasm/register';

type Case = { shape: number[]; axis: number | number[] | null; keepDims: boolean; dtype: 'float32' | 'int32' };

// Leading axes take the ones-product path; the rest (inner axes, every axis, int32) tfjs' kernel.
const cases: Case[] = [
  { shape: [1024, 100], axis: 0, keepDims: false, dtype: 'float32' },
  { shape: [1024, 100], axis: [0], keepDims: true, dtype: 'float32' },
  { shape: [4, 6, 6, 8], axis: [0, 1, 2], keepDims: false, dtype: 'float32' },
  { shape: [4, 6, 6, 8], axis: [1, 0], keepDims: true, dtype: 'float32' },
  { shape: [5, 3, 7], axis: -3, keepDims: false, dtype: 'float32' },
  { shape: [300, 1], axis: 0, keepDims: false, dtype: 'float32' },
  { shape: [1, 9], axis: 0, keepDims: false, dtype: 'float32' },
  { shape: [40, 30], axis: 1, keepDims: false, dtype: 'float32' },
  { shape: [4, 5, 6], axis: [0, 2], keepDims: true, dtype: 'float32' },
  { shape: [40, 30], axis: null, keepDims: false, dtype: 'float32' },
  { shape: [40, 30], axis: 0, keepDims: false, dtype: 'int32' },
  { shape: [5, 0], axis: 0, keepDims: false, dtype: 'float32' },
];

async function sumOn(backend: string, c: Case) {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const result = tf.tidy(() => {
    const x = tf.cast(tf.mul(tf.randomNormal(c.shape, 0, 1, 'float32', 7), c.dtype === 'int32' ? 10 : 1), c.dtype);
    const s = tf.sum(x, c.axis ?? undefined, c.keepDims);
    return { shape: s.shape, dtype: s.dtype, values: Array.from(s.dataSync()) };
  });
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

describe('Sum on wasm (leading axes as a product with ones)', () => {
  it.each(cases)('matches the cpu kernel for %j', async (c) => {
    const cpu = await sumOn('cpu', c);
    const wasm = await sumOn('wasm', c);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(wasm.dtype).toBe(cpu.dtype);
    wasm.values.forEach((v, i) => expect(Math.abs(v - cpu.values[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(cpu.values[i]!))));
  });

  it('differentiates through a bias gradient like the cpu backend', async () => {
    const grad = async (backend: string) => {
      await useBackend(backend);
      return tf.tidy(() => {
        const x = tf.randomNormal([64, 10], 0, 1, 'float32', 1);
        const b = tf.randomNormal([10], 0, 1, 'float32', 2);
        return Array.from(tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.add(x, v))))(b).dataSync());
      });
    };
    const cpu = await grad('cpu');
    const wasm = await grad('wasm');
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(cpu[i]!))));
  });
});
