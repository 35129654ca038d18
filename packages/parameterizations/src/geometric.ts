import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, backendIsDeviceResident, tidy } from '@geoparam/core';
import { BaseParameterization, boundaryFrom, columnNorms, type InitOptions } from './base';
import { geometricAffine, hasGeometricAffineKernels } from './geometric-affine';
import { cartesianToHyperspherical } from './hyperspherical';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation } from './types';

export type GeometricInit =
  /** The reference code: Glorot-uniform `w`, then `theta = angles(w)`, `r = |w|`, `lambda = 0`. */
  | 'glorot'
  /** The paper's text: directions uniform on the sphere, `r = 1`, `lambda = 0`. */
  | 'sphere';

export interface GeometricOptions extends InitOptions {
  init?: GeometricInit;
}

/**
 * GmP (Chen & Ge 2024): each unit is `r * relu(u(theta) . x + lambda)`, stored as one column
 * `[theta (n-1); lambda; r]` of the `geometry` variable, as in the reference implementation.
 * With fan-in 1 there is no angle: the direction is the sign of the initial weight and is not
 * trained (`signs`, non-trainable), so the column is `[lambda; r]`.
 */
export class Geometric extends BaseParameterization {
  constructor(geometry: LayerGeometry, options: GeometricOptions = {}) {
    super('geometric', geometry);
    const init = options.init ?? 'glorot';
    if (init !== 'glorot' && init !== 'sphere') throw new InvalidArgumentError('init', init, '"glorot" or "sphere"');
    const { fanIn, units } = geometry;
    this.addVariable('geometry', tf.zeros([fanIn + 1, units]));
    if (fanIn === 1) this.addVariable('signs', tf.ones([1, units]), false);
    let kernel: tf.Tensor2D;
    if (init === 'glorot') {
      kernel = this.glorotKernel(options);
    } else {
      kernel = tf.tidy(() => {
        const draw = tf.randomNormal([fanIn, units], 0, 1, 'float32', options.seed) as tf.Tensor2D;
        return tf.div(draw, columnNorms(draw)) as tf.Tensor2D;
      });
    }
    const bias = tf.zeros([units]) as tf.Tensor1D;
    this.rightInverse(kernel, bias);
    tf.dispose([kernel, bias]);
  }

  /** Angles `[n-1, units]` (empty for fan-in 1). */
  theta(): tf.Tensor2D {
    return tf.slice(this.variable("geometry") as tf.Tensor2D, [0, 0], [this.geometry.fanIn - 1, this.geometry.units]);
  }

  lambda(): tf.Tensor1D {
    return tf.reshape(tf.slice(this.variable('geometry'), [this.geometry.fanIn - 1, 0], [1, this.geometry.units]), [this.geometry.units]);
  }

  radius(): tf.Tensor1D {
    return tf.reshape(tf.slice(this.variable('geometry'), [this.geometry.fanIn, 0], [1, this.geometry.units]), [this.geometry.units]);
  }

  /** Unit directions `u(theta)`, `[n, units]`. */
  direction(): tf.Tensor2D {
    if (this.geometry.fanIn === 1) return tf.clone(this.variable('signs')) as tf.Tensor2D;
    return tidy(() => this.parts().kernel);
  }

  /** `u(theta)`, `lambda` and `r` from one fused kernel (fan-in 1 reads the signs instead). */
  private parts(foldScale = false): EffectiveAffine & { scale: tf.Tensor1D } {
    if (this.geometry.fanIn === 1) return { kernel: this.direction(), bias: this.lambda(), scale: this.radius() };
    return geometricAffine(this.variable('geometry') as tf.Tensor2D, { foldScale });
  }

  /**
   * Whether to compute `act(x (u r) + lambda r)` instead of `r act(x u + lambda)`: the same
   * function and gradient when every r > 0, without the `[batch, units]` multiply and its batch
   * reduction. Only where the fused kernel runs on the CPU side: deciding reads r, which is free
   * there, would stall a GPU backend (and WebGPU in Node cannot read synchronously at all).
   */
  private foldsScale(context: ApplyContext): boolean {
    if (!context.foldPositiveScale || this.geometry.fanIn === 1 || !hasGeometricAffineKernels() || backendIsDeviceResident()) return false;
    const { fanIn, units } = this.geometry;
    const values = this.variable('geometry').dataSync();
    for (let at = fanIn * units; at < (fanIn + 1) * units; at++) if (!(values[at]! > 0)) return false;
    return true;
  }

  apply(x: tf.Tensor, context: ApplyContext): PreActivation {
    const folded = this.foldsScale(context);
    const { kernel, bias, scale } = this.parts(folded);
    return { value: this.affine(x, context, kernel, bias), scale: folded ? null : scale };
  }

  forward(): EffectiveAffine {
    return tidy(() => this.parts());
  }

  /** `theta = angles(w)`, `r = |w|`, `lambda = b/|w|`; a zero column becomes direction e1 with r = 0. */
  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): void {
    this.validatePlain(kernel, bias);
    const { fanIn, units } = this.geometry;
    const column = tf.tidy(() => {
      const norms = columnNorms(kernel);
      const safeNorms = tf.where(tf.greater(norms, 0), norms, tf.onesLike(norms));
      const lambda = tf.reshape(tf.div(bias, safeNorms), [1, units]);
      const radius = tf.reshape(norms, [1, units]);
      if (fanIn === 1) {
        this.set('signs', tf.where(tf.less(kernel, 0), tf.fill([1, units], -1), tf.ones([1, units])));
        return tf.concat([lambda, radius], 0);
      }
      return tf.concat([cartesianToHyperspherical(kernel).theta, lambda, radius], 0);
    });
    this.set('geometry', column);
  }

  boundary(): Boundary {
    return tidy(() => boundaryFrom(this.direction(), this.lambda()));
  }
}
