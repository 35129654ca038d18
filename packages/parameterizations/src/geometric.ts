import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, tidy } from '@geoparam/core';
import { BaseMath, BaseParameterization, affine, boundaryFrom, columnNorms, glorotKernel, type InitOptions } from './base';
import { geometricAffine } from './geometric-affine';
import { cartesianToHyperspherical } from './hyperspherical';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation, Weights } from './types';

export type GeometricInit =
  /** The reference code: Glorot-uniform `w`, then `theta = angles(w)`, `r = |w|`, `lambda = 0`. */
  | 'glorot'
  /** The paper's text: directions uniform on the sphere, `r = 1`, `lambda = 0`. */
  | 'sphere';

export interface GeometricOptions extends InitOptions {
  init?: GeometricInit;
}

export function checkGeometricInit(init: string): GeometricInit {
  if (init !== 'glorot' && init !== 'sphere') throw new InvalidArgumentError('init', init, '"glorot" or "sphere"');
  return init;
}

/** `[n, units]` directions uniform on the sphere (normalized Gaussian draws): the paper-text init. */
export function uniformSphereKernel(shape: readonly [number, number], seed?: number): tf.Tensor2D {
  return tf.tidy(() => {
    const draw = tf.randomNormal([...shape], 0, 1, 'float32', seed) as tf.Tensor2D;
    return tf.div(draw, columnNorms(draw)) as tf.Tensor2D;
  });
}

/**
 * GmP (Chen & Ge 2024): each unit is `r * relu(u(theta) . x + lambda)`, stored as one column
 * `[theta (n-1); lambda; r]` of the `geometry` weight, as in the reference implementation.
 * With fan-in 1 there is no angle: the direction is the sign of the initial weight and is not
 * trained (`signs`, non-trainable), so the column is `[lambda; r]`.
 */
export class GeometricMath extends BaseMath {
  readonly name = 'geometric' as const;
  readonly weightSpecs =
    this.geometry.fanIn === 1 ? [this.spec('geometry', 2), this.spec('signs', 1, false)] : [this.spec('geometry', this.geometry.fanIn + 1)];

  private row(weights: Weights, index: number): tf.Tensor1D {
    const units = this.geometry.units;
    return tf.reshape(tf.slice(weights['geometry']!, [index, 0], [1, units]), [units]);
  }

  /** The radii r, `[units]` (the last row of the geometry). Caller disposes. */
  radius(weights: Weights): tf.Tensor1D {
    return tf.tidy(() => this.row(weights, this.geometry.fanIn));
  }

  /** The geometry with every r replaced by |r| (the caller moves the signs downstream). Caller disposes. */
  withNonNegativeRadius(weights: Weights): tf.Tensor2D {
    const { fanIn, units } = this.geometry;
    const geometry = weights['geometry']!;
    return tf.tidy(() => tf.concat([tf.slice(geometry, [0, 0], [fanIn, units]), tf.abs(tf.slice(geometry, [fanIn, 0], [1, units]))], 0)) as tf.Tensor2D;
  }

  /** `u(theta)`, `lambda` and `r` (fan-in 1 reads the signs instead of a map of angles). */
  private parts(weights: Weights): EffectiveAffine & { scale: tf.Tensor1D } {
    const { fanIn } = this.geometry;
    if (fanIn === 1) return { kernel: tf.clone(weights['signs']!) as tf.Tensor2D, bias: this.row(weights, 0), scale: this.row(weights, 1) };
    return geometricAffine(weights['geometry'] as tf.Tensor2D);
  }

  /**
   * With a positively homogeneous activation, `r act(z) = sign(r) act(|r| z)`: fold `|r|` into
   * kernel and bias and apply only the sign after the activation, whose zero derivative needs no
   * batch reduction. Deciding needs no read of r, so it stays asynchronous on every backend. At
   * r = 0 exactly the unit outputs 0 and gets no gradient (like an SP unit with w = 0, b = 0).
   */
  apply(weights: Weights, x: tf.Tensor, context: ApplyContext): PreActivation {
    if (context.foldPositiveScale && this.geometry.fanIn > 1) {
      const { kernel, bias, scale } = geometricAffine(weights['geometry'] as tf.Tensor2D, { foldScale: true });
      return { value: affine(x, context, kernel, bias), scale, scaleIsSign: true };
    }
    const { kernel, bias, scale } = this.parts(weights);
    return { value: affine(x, context, kernel, bias), scale };
  }

  forward(weights: Weights): EffectiveAffine {
    return tidy(() => this.parts(weights));
  }

  /** `theta = angles(w)`, `r = |w|`, `lambda = b/|w|`; a zero column becomes direction e1 with r = 0. */
  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor> {
    this.validatePlain(kernel, bias);
    const { fanIn, units } = this.geometry;
    return tf.tidy((): Record<string, tf.Tensor> => {
      const norms = columnNorms(kernel);
      const safeNorms = tf.where(tf.greater(norms, 0), norms, tf.onesLike(norms));
      const lambda = tf.reshape(tf.div(bias, safeNorms), [1, units]);
      const radius = tf.reshape(norms, [1, units]);
      if (fanIn === 1) {
        return { geometry: tf.concat([lambda, radius], 0), signs: tf.where(tf.less(kernel, 0), tf.fill([1, units], -1), tf.ones([1, units])) };
      }
      return { geometry: tf.concat([cartesianToHyperspherical(kernel).theta, lambda, radius], 0) };
    });
  }

  boundary(weights: Weights): Boundary {
    return tidy(() => {
      const { kernel, bias } = this.parts(weights);
      return boundaryFrom(kernel, bias);
    });
  }
}

export class Geometric extends BaseParameterization {
  constructor(geometry: LayerGeometry, options: GeometricOptions = {}) {
    const init = checkGeometricInit(options.init ?? 'glorot');
    const math = new GeometricMath(geometry);
    super(math, init === 'glorot' ? glorotKernel(geometry, options) : uniformSphereKernel([geometry.fanIn, geometry.units], options.seed));
  }

  /** The radii r, `[units]`. Caller disposes. */
  radius(): tf.Tensor1D {
    return (this.math as GeometricMath).radius(this.variables);
  }
}
