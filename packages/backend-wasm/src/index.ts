import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, type BackendProvider } from '@geoparam/core';
import { registerConv2dBackpropFilter } from './conv2d-backprop-filter';
import { registerConv2dBackpropInput } from './conv2d-backprop-input';
import { registerGeometricKernels } from './geometric-affine';
import { registerSum } from './sum';

export { conv2dBackpropFilterWasm, registerConv2dBackpropFilter } from './conv2d-backprop-filter';
export { conv2dBackpropInputWasm, registerConv2dBackpropInput } from './conv2d-backprop-input';
export { replaceWasmKernel, stockWasmKernel } from './wasm-kernel';
export { geometricAffineWasm, geometricAffineGradWasm, registerGeometricKernels } from './geometric-affine';
export { sumWasm, registerSum } from './sum';

let loaded = false;
let wasmPaths: string | Record<string, string> | undefined;

/**
 * Where the `.wasm` binaries are served from, for bundled apps (the browser): a URL prefix ending
 * in `/`, or a map from file name (`tfjs-backend-wasm-simd.wasm`, ...) to URL. Call it before the
 * backend loads. Node needs nothing: the binaries are read from the installed package.
 */
export function configureWasm(options: { paths: string | Record<string, string> }): void {
  if (loaded) throw new BackendUnavailableError('wasm', 'configureWasm() must run before the wasm backend loads');
  wasmPaths = options.paths;
}

/** The `.wasm` files a page must serve (with `configureWasm` pointing at them). */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

/** WebAssembly (XNNPACK, SIMD where the runtime has it): the default for Node and the browser. */
export const wasmBackend: BackendProvider = {
  name: 'wasm',
  tfjsName: 'wasm',
  priority: 2,
  async load() {
    if (loaded) return;
    try {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      if (wasmPaths !== undefined) {
        wasm.setWasmPaths(wasmPaths);
      } else if (typeof process !== 'undefined' && process.versions?.node) {
        // Point at the .wasm binaries next to the package's main file: no bundler, no fetch. The
        // directory is cut from the path by hand so bundlers see no `node:path` in a page's build.
        const main = require.resolve('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(main.slice(0, Math.max(main.lastIndexOf('/'), main.lastIndexOf('\\')) + 1));
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
