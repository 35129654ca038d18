import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, type BackendProvider } from '@geoparam/core';

function hasCanvas(): boolean {
  return typeof document !== 'undefined' || typeof OffscreenCanvas !== 'undefined';
}

let loaded = false;

/** WebGL (the GPU of a browser page): a fallback where WASM is missing or slow. Browser only. */
export const webglBackend: BackendProvider = {
  name: 'webgl',
  tfjsName: 'webgl',
  // Below wasm: for the small models of this library WASM wins, and WebGL float32 varies by GPU.
  priority: 0,
  deviceResident: true,
  async load() {
    if (loaded) return;
    if (!hasCanvas()) {
      throw new BackendUnavailableError('webgl', 'WebGL needs a browser (document or OffscreenCanvas); in Node use wasm, cpu or cuda');
    }
    try {
      require('@tensorflow/tfjs-backend-webgl');
    } catch (error) {
      throw new BackendUnavailableError('webgl', `@tensorflow/tfjs-backend-webgl could not be loaded: ${String(error)}`);
    }
    if (tf.env().getNumber('WEBGL_VERSION') === 0) {
      throw new BackendUnavailableError('webgl', 'this browser could not create a WebGL context');
    }
    loaded = true;
  },
  async details() {
    return {
      implementation: '@tensorflow/tfjs-backend-webgl',
      webglVersion: tf.env().getNumber('WEBGL_VERSION'),
      float32Render: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
    };
  },
};
