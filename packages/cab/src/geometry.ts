import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError, tidy } from '@geoparam/core';
import type { Boundary, Parameterization } from '@geoparam/parameterizations';

/** Anything that can report its CAB: a parameterization, or a layer that holds one. */
export type HasBoundary = Parameterization | { parameterization: Parameterization };

/** The CAB of every unit (`{u, lambda, phi = -lambda u}`); the caller disposes the tensors. */
export function boundaryOf(source: HasBoundary): Boundary {
  const parameterization = 'parameterization' in source ? source.parameterization : source;
  return parameterization.boundary();
}

/** A boundary read back to the host, one entry per unit: cheap to keep per step and to plot. */
export interface BoundarySnapshot {
  /** `[units][n]` unit normals. */
  direction: number[][];
  /** `[units]` signed distances lambda. */
  offset: number[];
  /** `[units][n]` locations phi. */
  location: number[][];
}

async function columns(t: tf.Tensor2D): Promise<number[][]> {
  const transposed = tf.transpose(t);
  try {
    return await transposed.array();
  } finally {
    transposed.dispose();
  }
}

/**
 * Reads a boundary to the host (the caller still owns and disposes its tensors). Asynchronous:
 * WebGPU in Node cannot read synchronously, and elsewhere an `await` does not stall the device.
 */
export async function snapshot(boundary: Boundary): Promise<BoundarySnapshot> {
  const [direction, offset, location] = await Promise.all([columns(boundary.direction), boundary.offset.data(), columns(boundary.location)]);
  return { direction, offset: Array.from(offset), location };
}

/** Reads a source's boundary to the host (asynchronously, as `snapshot`) and frees the tensors. */
export async function snapshotOf(source: HasBoundary): Promise<BoundarySnapshot> {
  const boundary = boundaryOf(source);
  try {
    return await snapshot(boundary);
  } finally {
    tf.dispose([boundary.direction, boundary.offset, boundary.location]);
  }
}

function sameShape(what: string, a: tf.Tensor, b: tf.Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeMismatchError(what, a.shape, b.shape);
  }
}

/**
 * Angle in degrees between the normals of corresponding boundaries (columns of `a` and `b`):
 * `arccos(a.b / (|a||b|))`. Orientation counts, so a flipped active side reads 180 degrees, as in
 * the paper's stability plots.
 */
export function angleBetween(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  sameShape('second direction', a, b);
  return tidy(() => {
    const cosine = tf.div(tf.sum(tf.mul(a, b), 0), tf.mul(tf.norm(a, 'euclidean', 0), tf.norm(b, 'euclidean', 0)));
    return tf.mul(tf.acos(tf.clipByValue(cosine, -1, 1)), 180 / Math.PI) as tf.Tensor1D;
  });
}

/** Euclidean distance between corresponding locations `phi` (columns). */
export function locationShift(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  sameShape('second location', a, b);
  return tidy(() => tf.norm(tf.sub(a, b), 'euclidean', 0) as tf.Tensor1D);
}
