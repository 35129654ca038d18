import type { BackendProvider } from '@geoparam/core';

/** The plain-JavaScript backend: slow, but runs anywhere tfjs-core does. */
export const cpuBackend: BackendProvider = {
  name: 'cpu',
  tfjsName: 'cpu',
  priority: 1,
  async load() {
    require('@tensorflow/tfjs-backend-cpu');
  },
  async details() {
    return { implementation: '@tensorflow/tfjs-backend-cpu' };
  },
};
