import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { BackendUnavailableError, type BackendProvider } from '@geoparam/core';
import { registerConv2dBackpropFilter } from './conv2d-backprop-filter';
import { registerConv2dBackpropInput } from './conv2d-backprop-input';
import { registerGeometricKernels } from './geometric-affine';
import { registerSum } from './sum';

export { conv2dBackpropFilterWasm, registerConv2dBackpropFilter } from './conv2d-backprop-filter';
export { conv2dBackpropInputWasm, registerConv2dBackpropInput } from './conv2d-backprop-input';
export { geometricAffineWasm, geometricAffineGradWasm, registerGeometricKernels } from './geometric-affine';
export { sumWasm, registerSum } from './sum';

let loaded = false;

/** WebAssembly (XNNPACK, SIMD where the runtime has it): the default for Node and the browser. */
export const wasmBackend: BackendProvider = {
  name: 'wasm',
  tfjsName: 'wasm',
  priority: 2,
  async load() {
    if (loaded) return;
    try {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      if (typeof process !== 'undefined' && process.versions?.node) {
        // Point at the .wasm binaries next to the package's main file: no bundler, no fetch.
        const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
        wasm.setWasmPaths(dist + path.sep);
      }
    } catch (error) {
      throw new BackendUnavailableError('wasm', `@tensorflow/tfjs-backend-wasm could not be loaded: ${String(error)}`);
    }
    registerConv2dBackpropFilter();
    registerConv2dBackpropInput();
    registerGeometricKernels();
    registerSum();
    loaded = true;
  },
  async details() {
    return {
      implementation: '@tensorflow/tfjs-backend-wasm',
      simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
      threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
      convGradients: 'geoparam: filter and stride-1 input gradients as forward Conv2D',
    };
  },
};
