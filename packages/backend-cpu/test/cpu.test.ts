import * as tf from '@tensorflow/tfjs-core';
import { registeredBackends, useBackend } from '@geoparam/core';
import '@geoparam/backend-cpu/register';

describe('cpu backend', () => {
  it('registers, activates and computes', async () => {
    expect(registeredBackends()).toContain('cpu');
    const report = await useBackend('cpu');
    expect(report).toEqual({ name: 'cpu', tfjsName: 'cpu', details: { implementation: '@tensorflow/tfjs-backend-cpu' } });
    expect(tf.getBackend()).toBe('cpu');
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const sum = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]);
    expect(sum).toBe(6);
    // Chosen on purpose: no "install tfjs-node" advertisement on first use.
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});
