import * as tf from '@tensorflow/tfjs-core';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

const stock = new Map<string, tf.KernelFunc>();

/**
 * Registers `replacement` as the wasm kernel `name`, keeping tfjs-backend-wasm's own reachable
 * through `stockWasmKernel` (for the cases the replacement leaves to it). Idempotent.
 */
export function replaceWasmKernel(name: string, replacement: tf.KernelFunc): void {
  const current = tf.getKernel(name, 'wasm');
  if (!current || current.kernelFunc === replacement) return;
  stock.set(name, current.kernelFunc);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...current, kernelFunc: replacement });
}

/** tfjs-backend-wasm's own kernel `name`, also after `replaceWasmKernel` swapped it out. */
export function stockWasmKernel(name: string): tf.KernelFunc {
  return stock.get(name) ?? wasmKernel(name);
}

/** A kernel tfjs-backend-wasm has, to compose missing or slow ones from. */
export function wasmKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
  return config.kernelFunc;
}
