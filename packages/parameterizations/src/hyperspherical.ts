import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError , tidy } from '@geoparam/core';

/** Rows `[start, end)` of a 2-D tensor. */
function rows(x: tf.Tensor2D, start: number, end: number): tf.Tensor2D {
  return tf.slice(x, [start, 0], [end - start, x.shape[1]]);
}

/**
 * Solves `T_j = A_j + M_j T_{j+1}` (T past the last row = 0) for every row j at once with a
 * Hillis-Steele scan: log2(rows) steps of shift/multiply/add and no division, so it stays exact
 * where sines vanish (the poles), unlike the `cumsum(dy*y)/x` gradient of a cumulative product.
 */
function reverseAffineScan(multiplier: tf.Tensor2D, addend: tf.Tensor2D): tf.Tensor2D {
  const [m, units] = multiplier.shape;
  let mul = multiplier;
  let add = addend;
  for (let shift = 1; shift < m; shift *= 2) {
    const addAhead = tf.concat([rows(add, shift, m), tf.zeros([shift, units])], 0);
    const mulAhead = tf.concat([rows(mul, shift, m), tf.ones([shift, units])], 0);
    add = tf.add(add, tf.mul(mul, addAhead));
    mul = tf.mul(mul, mulAhead);
  }
  return add;
}

const sphereMap = tf.customGrad(((theta: tf.Tensor, save: tf.GradSaveFunc) => {
  const angles = theta as tf.Tensor2D;
  const [m, units] = angles.shape;
  const sin = tf.sin(angles);
  const cos = tf.cos(angles);
  const inclusive = tf.cumprod(sin, 0) as tf.Tensor2D;
  // P_j = prod_{k<j} sin(theta_k): the exclusive product, starting at 1.
  const exclusive = tf.concat([tf.ones([1, units]), rows(inclusive, 0, m - 1)], 0);
  const value = tf.concat([tf.mul(cos, exclusive), rows(inclusive, m - 1, m)], 0);
  save([sin, cos, exclusive]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [s, c, p] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      // d u_i / d theta_j for i > j equals c_j P_j c~_i prod_{j<k<i} s_k, with c~ = [cos; 1]:
      // collect sum_{i>j} g_i c~_i prod_{j<k<i} s_k by the recurrence T_j = a_{j+1} + s_{j+1} T_{j+1}.
      const cosTilde = tf.concat([rows(c, 1, m), tf.ones([1, units])], 0);
      const a = tf.mul(rows(g, 1, m + 1), cosTilde) as tf.Tensor2D;
      const sAhead = tf.concat([rows(s, 1, m), tf.zeros([1, units])], 0) as tf.Tensor2D;
      const t = reverseAffineScan(sAhead, a);
      const own = tf.neg(tf.mul(s, rows(g, 0, m)));
      return [tf.mul(p, tf.add(own, tf.mul(c, t)))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Maps angles `theta` (`[n-1, units]`) to unit vectors `u` (`[n, units]`, one per column):
 * `u_1 = cos t_1`, `u_i = cos t_i prod_{k<i} sin t_k`, `u_n = prod_{k<n} sin t_k`.
 * Differentiable everywhere, including the poles.
 */
export function hypersphericalToCartesian(theta: tf.Tensor2D): tf.Tensor2D {
  if (theta.rank !== 2 || theta.shape[0] < 1) {
    throw new InvalidArgumentError('theta.shape', theta.shape, '[n-1, units] with n-1 >= 1 (fan-in 1 has no angles)');
  }
  return sphereMap(theta) as tf.Tensor2D;
}

export interface HypersphericalCoordinates {
  /** `[n-1, units]`; the last angle covers the full circle (-pi, pi], the others [0, pi]. */
  theta: tf.Tensor2D;
  /** `[1, units]`: the column norms. */
  radius: tf.Tensor2D;
}

/**
 * Inverse of `hypersphericalToCartesian` on the whole sphere: `theta_i = atan2(|w_{>i}|, w_i)` and
 * `theta_{n-1} = atan2(w_n, w_{n-1})`. (The reference implementation returns a hemisphere only.)
 * A zero column maps to theta = 0, i.e. the first basis vector, with radius 0.
 */
export function cartesianToHyperspherical(w: tf.Tensor2D): HypersphericalCoordinates {
  if (w.rank !== 2 || w.shape[0] < 2) {
    throw new InvalidArgumentError('w.shape', w.shape, '[n, units] with n >= 2');
  }
  return tidy(() => {
    const [n, units] = w.shape;
    const squares = tf.square(w);
    const tailNorm = tf.sqrt(tf.cumsum(squares, 0, true, true)) as tf.Tensor2D;
    const azimuth = tf.atan2(rows(w, n - 1, n), rows(w, n - 2, n - 1));
    const theta = n > 2 ? tf.concat([tf.atan2(rows(tailNorm, 0, n - 2), rows(w, 0, n - 2)), azimuth], 0) : azimuth;
    const radius = tf.reshape(tf.sqrt(tf.sum(squares, 0)), [1, units]) as tf.Tensor2D;
    return { theta: theta as tf.Tensor2D, radius };
  });
}
