import * as tf from '@tensorflow/tfjs-core';
import {
  BackendUnavailableError,
  UnknownNameError,
  activeBackend,
  probeBackend,
  registerBackendProvider,
  registeredBackends,
  useBackend,
} from '@geoparam/core';

describe('backend registry', () => {
  it('says how to make a backend selectable when none is registered', async () => {
    await expect(useBackend('wasm')).rejects.toThrow(BackendUnavailableError);
    await expect(useBackend('wasm')).rejects.toThrow(/import '@geoparam\/backend-wasm\/register'/);
  });

  it('selects by name, reports the active backend, and names unknown ones', async () => {
    // Registered only now: the first test checks the message for an empty registry.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@geoparam/backend-cpu/register');
    registerBackendProvider({
      name: 'broken',
      tfjsName: 'broken',
      priority: 10,
      load: async () => {
        throw new BackendUnavailableError('broken', 'its native library is missing');
      },
      details: async () => ({}),
    });
    expect(registeredBackends()).toEqual(['broken', 'cpu']);
    await expect(useBackend('tpu')).rejects.toThrow(UnknownNameError);
    await expect(useBackend('tpu')).rejects.toThrow(/unknown backend "tpu"; known: broken, cpu/);
    expect(await probeBackend('broken')).toEqual({ name: 'broken', available: false, reason: 'backend "broken" is unavailable: its native library is missing' });
    // Without a name the best backend that loads wins; the broken one is skipped.
    const report = await useBackend();
    expect(report.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(activeBackend()?.name).toBe('cpu');
  });
});
