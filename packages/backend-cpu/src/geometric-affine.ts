import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { GeometricAffine, GeometricAffineGrad, geometricAffineGradValues, geometricAffineValues, type GeometricAffineAttrs } from '@geoparam/core';

type KernelArgs = Parameters<tf.KernelFunc>[0];

function values(backend: MathBackendCPU, info: tf.TensorInfo): Float32Array {
  return backend.data.get(info.dataId).values as Float32Array;
}

/** GmP's `[theta; lambda; r]` -> `u(theta), lambda, r` as one loop over the data. */
export function geometricAffineCpu({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const cpu = backend as MathBackendCPU;
  const geometry = inputs['geometry'] as tf.TensorInfo;
  const [rows, units] = geometry.shape as [number, number];
  const foldScale = (attrs as Partial<GeometricAffineAttrs> | undefined)?.foldScale === true;
  const kernel = new Float32Array((rows - 1) * units);
  const bias = new Float32Array(units);
  const scale = new Float32Array(units);
  geometricAffineValues(values(cpu, geometry), rows, units, foldScale, kernel, bias, scale);
  return [
    cpu.makeTensorInfo([rows - 1, units], 'float32', kernel),
    cpu.makeTensorInfo([units], 'float32', bias),
    cpu.makeTensorInfo([units], 'float32', scale),
  ];
}

export function geometricAffineGradCpu({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const cpu = backend as MathBackendCPU;
  const geometry = inputs['geometry'] as tf.TensorInfo;
  const [rows, units] = geometry.shape as [number, number];
  const foldScale = (attrs as Partial<GeometricAffineAttrs> | undefined)?.foldScale === true;
  const dGeometry = new Float32Array(rows * units);
  const read = (name: string) => values(cpu, inputs[name] as tf.TensorInfo);
  geometricAffineGradValues(read('geometry'), read('dKernel'), read('dBias'), read('dScale'), rows, units, foldScale, dGeometry, new Float64Array(2 * rows));
  return cpu.makeTensorInfo([rows, units], 'float32', dGeometry);
}

export function registerGeometricKernels(): void {
  if (!tf.getKernel(GeometricAffine, 'cpu')) tf.registerKernel({ kernelName: GeometricAffine, backendName: 'cpu', kernelFunc: geometricAffineCpu as tf.KernelFunc });
  if (!tf.getKernel(GeometricAffineGrad, 'cpu')) tf.registerKernel({ kernelName: GeometricAffineGrad, backendName: 'cpu', kernelFunc: geometricAffineGradCpu });
}
