import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, type BackendProvider } from '@geoparam/core';

/** What @tensorflow/tfjs-node-gpu 4.22 is built against (its README and install script). */
export const CUDA_REQUIREMENTS = {
  package: '@tensorflow/tfjs-node-gpu@4.22.0',
  libtensorflow: '2.9.1 (GPU build, downloaded by the package install script)',
  cuda: '11.2',
  cudnn: '8.1',
} as const;

export function missingCudaMessage(cause: unknown): string {
  const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return [
    `${CUDA_REQUIREMENTS.package} could not be loaded (${why}).`,
    `Install it next to @geoparam/backend-cuda with \`pnpm add ${CUDA_REQUIREMENTS.package}\` on a Linux x64 machine`,
    `with an NVIDIA driver, CUDA ${CUDA_REQUIREMENTS.cuda} and cuDNN ${CUDA_REQUIREMENTS.cudnn};`,
    `its install step downloads libtensorflow ${CUDA_REQUIREMENTS.libtensorflow}, so it needs network access.`,
    'Use --backend wasm to run without a GPU.',
  ].join(' ');
}

let loadError: unknown = null;
let loaded = false;

/** CUDA through tfjs-node-gpu, an optional dependency that cannot install everywhere. */
export const cudaBackend: BackendProvider = {
  name: 'cuda',
  tfjsName: 'tensorflow',
  priority: 3,
  async load() {
    if (loaded) return;
    if (loadError === null) {
      try {
        require('@tensorflow/tfjs-node-gpu');
        loaded = true;
        return;
      } catch (error) {
        loadError = error;
      }
    }
    throw new BackendUnavailableError('cuda', missingCudaMessage(loadError));
  },
  async details() {
    const flags = tf.env().features;
    return {
      implementation: CUDA_REQUIREMENTS.package,
      expectedCuda: CUDA_REQUIREMENTS.cuda,
      expectedCudnn: CUDA_REQUIREMENTS.cudnn,
      isNode: Boolean(flags['IS_NODE']),
    };
  },
};
export { diagnoseCuda, parseLdconfig, parseNvidiaSmi, type CudaDiagnosis } from './diagnose';
