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

function columns(t: tf.Tensor2D): number[][] {
  const transposed = tf.transpose(t);
  try {
    return transposed.arraySync();
  } finally {
    transposed.dispose();
  }
}

export function snapshot(boundary: Boundary): BoundarySnapshot {
  return {
    direction: columns(boundary.direction),
    offset: Array.from(boundary.offset.dataSync()),
    location: columns(boundary.location),
  };
}

/** Reads a source's boundary to the host and frees the tensors. */
export function snapshotOf(source: HasBoundary): BoundarySnapshot {
  const boundary = boundaryOf(source);
  try {
    return snapshot(boundary);
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
