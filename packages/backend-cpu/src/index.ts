import * as tf from '@tensorflow/tfjs-core';
import type { BackendProvider } from '@geoparam/core';
import { registerGeometricKernels } from './geometric-affine';

export { geometricAffineCpu, geometricAffineGradCpu, registerGeometricKernels } from './geometric-affine';

/** The plain-JavaScript backend: slow, but runs anywhere tfjs-core does. */
export const cpuBackend: BackendProvider = {
  name: 'cpu',
  tfjsName: 'cpu',
  priority: 1,
  async load() {
    require('@tensorflow/tfjs-backend-cpu');
    registerGeometricKernels();
  },
  onActivate() {
    // The cpu backend advertises tfjs-node on its first write; someone who picked cpu on purpose
    // does not need that, and the CLI's stderr should not carry it.
    const backend = tf.backend() as unknown as { firstUse?: boolean };
    if ('firstUse' in backend) backend.firstUse = false;
  },
  async details() {
    return { implementation: '@tensorflow/tfjs-backend-cpu' };
  },
};
