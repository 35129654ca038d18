import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { GeometricAffine, GeometricAffineGrad, geometricAffineGradValues, geometricAffineValues, type GeometricAffineAttrs } from '@geoparam/core';
import type { KernelArgs } from './wasm-kernel';

/*
 * GmP's map is a few hundred sines and products: as stock kernels it is ~60 dispatches of ~14 us,
 * as a loop over views onto the WASM heap it is one. Outputs are allocated before any view is
 * taken, since an allocation may grow (and so detach) the heap.
 */

export function geometricAffineWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const wasm = backend as BackendWasm;
  const geometry = inputs['geometry'] as tf.TensorInfo;
  const [rows, units] = geometry.shape as [number, number];
  const foldScale = (attrs as Partial<GeometricAffineAttrs> | undefined)?.foldScale === true;
  const outputs = [wasm.makeOutput([rows - 1, units], 'float32'), wasm.makeOutput([units], 'float32'), wasm.makeOutput([units], 'float32')];
  const [kernel, bias, scale] = outputs.map((o) => wasm.typedArrayFromHeap(o) as Float32Array) as [Float32Array, Float32Array, Float32Array];
  geometricAffineValues(wasm.typedArrayFromHeap(geometry), rows, units, foldScale, kernel, bias, scale);
  return outputs;
}

export function geometricAffineGradWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const geometry = inputs['geometry'] as tf.TensorInfo;
  const [rows, units] = geometry.shape as [number, number];
  const foldScale = (attrs as Partial<GeometricAffineAttrs> | undefined)?.foldScale === true;
  const output = wasm.makeOutput([rows, units], 'float32');
  const read = (name: string) => wasm.typedArrayFromHeap(inputs[name] as tf.TensorInfo);
  geometricAffineGradValues(
    read('geometry'),
    read('dKernel'),
    read('dBias'),
    read('dScale'),
    rows,
    units,
    foldScale,
    wasm.typedArrayFromHeap(output) as Float32Array,
    new Float64Array(2 * rows),
  );
  return output;
}

export function registerGeometricKernels(): void {
  if (!tf.getKernel(GeometricAffine, 'wasm')) tf.registerKernel({ kernelName: GeometricAffine, backendName: 'wasm', kernelFunc: geometricAffineWasm as tf.KernelFunc });
  if (!tf.getKernel(GeometricAffineGrad, 'wasm')) tf.registerKernel({ kernelName: GeometricAffineGrad, backendName: 'wasm', kernelFunc: geometricAffineGradWasm });
}
