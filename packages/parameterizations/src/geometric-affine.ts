import * as tf from '@tensorflow/tfjs-core';
import { GeometricAffine, GeometricAffineGrad, InvalidArgumentError, tidy, type GeometricAffineAttrs } from '@geoparam/core';
import { hypersphericalToCartesian } from './hyperspherical';

/** GmP's effective affine map: unit directions, offsets and radii of a layer's units. */
export interface GeometricAffineParts {
  /** `[n, units]`: u(theta), one unit column per unit (times |r| when folded). */
  kernel: tf.Tensor2D;
  /** `[units]`: lambda (times |r| when folded). */
  bias: tf.Tensor1D;
  /** `[units]`: r (its sign when folded). */
  scale: tf.Tensor1D;
}

function checkGeometry(geometry: tf.Tensor): void {
  if (geometry.rank !== 2 || geometry.shape[0] < 3 || geometry.dtype !== 'float32') {
    throw new InvalidArgumentError('geometry', `${geometry.dtype} [${geometry.shape.join(', ')}]`, 'float32 [n+1, units] with n >= 2');
  }
}

function ensureGradient(): void {
  if (tf.getGradient(GeometricAffine)) return;
  tf.registerGradient({
    kernelName: GeometricAffine,
    inputsToSave: ['geometry'],
    gradFunc: (dy, saved, attrs) => {
      const geometry = saved[0]!;
      const [rows, units] = geometry.shape as [number, number];
      const [dKernel, dBias, dScale] = dy as (tf.Tensor | null)[];
      return {
        geometry: () =>
          tf.engine().runKernel(
            GeometricAffineGrad,
            {
              geometry,
              dKernel: dKernel ?? tf.zeros([rows - 1, units]),
              dBias: dBias ?? tf.zeros([units]),
              dScale: dScale ?? tf.zeros([units]),
            },
            attrs,
          ) as tf.Tensor,
      };
    },
  });
}

/** Whether the active backend registers both GmP kernels (the fast path). */
export function hasGeometricAffineKernels(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(GeometricAffine, backend) !== undefined && tf.getKernel(GeometricAffineGrad, backend) !== undefined;
}

/**
 * The same map from stock tfjs ops (slices and the scan-based hyperspherical map): what runs
 * where the backend has no GmP kernel, and the reference the kernels are tested against.
 */
export function geometricAffineReference(geometry: tf.Tensor2D, options: Partial<GeometricAffineAttrs> = {}): GeometricAffineParts {
  checkGeometry(geometry);
  const [rows, units] = geometry.shape;
  return tidy(() => {
    const kernel = hypersphericalToCartesian(tf.slice(geometry, [0, 0], [rows - 2, units]));
    const bias = tf.reshape(tf.slice(geometry, [rows - 2, 0], [1, units]), [units]) as tf.Tensor1D;
    const scale = tf.reshape(tf.slice(geometry, [rows - 1, 0], [1, units]), [units]) as tf.Tensor1D;
    if (!options.foldScale) return { kernel, bias, scale };
    const magnitude = tf.abs(scale);
    return { kernel: tf.mul(kernel, magnitude) as tf.Tensor2D, bias: tf.mul(bias, magnitude) as tf.Tensor1D, scale: tf.sign(scale) as tf.Tensor1D };
  });
}

/**
 * Splits a GmP `geometry` (`[n+1, units]`, columns `[theta (n-1); lambda; r]`, n >= 2) into
 * `u(theta)`, `lambda` and `r` (with `foldScale`: `u(theta) |r|`, `lambda |r|` and `sign(r)`),
 * differentiably. One fused kernel forward and one backward on backends that register them
 * (cpu, wasm): the composite costs ~60 small kernel dispatches per step, and dispatch, not
 * arithmetic, dominates at these sizes.
 */
export function geometricAffine(geometry: tf.Tensor2D, options: Partial<GeometricAffineAttrs> = {}): GeometricAffineParts {
  checkGeometry(geometry);
  if (!hasGeometricAffineKernels()) return geometricAffineReference(geometry, options);
  ensureGradient();
  const attrs: GeometricAffineAttrs = { foldScale: options.foldScale === true };
  const [kernel, bias, scale] = tf.engine().runKernel(GeometricAffine, { geometry }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D, scale: scale as tf.Tensor1D };
}
