import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '@geoparam/core';
import { BaseParameterization, boundaryFrom, columnNorms, type InitOptions } from './base';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation } from './types';

/** WN (Salimans & Kingma): `relu(g (v/|v|) . x + b)`; at init `v` is Glorot and `g = |v|`, so it starts equal to SP. */
export class WeightNorm extends BaseParameterization {
  constructor(geometry: LayerGeometry, options: InitOptions = {}) {
    super('weightNorm', geometry);
    const v = this.glorotKernel(options);
    this.addVariable('g', tf.tidy(() => columnNorms(v)));
    this.addVariable('v', v);
    this.addVariable('bias', tf.zeros([geometry.units]));
  }

  protected kernel(): tf.Tensor2D {
    const v = this.variable('v') as tf.Tensor2D;
    return tf.mul(tf.div(v, columnNorms(v)), this.variable('g')) as tf.Tensor2D;
  }

  apply(x: tf.Tensor, context: ApplyContext): PreActivation {
    return { value: this.affine(x, context, this.kernel(), this.variable('bias')), scale: null };
  }

  forward(): EffectiveAffine {
    return tidy(() => ({ kernel: this.kernel(), bias: tf.clone(this.variable('bias')) as tf.Tensor1D, scale: null }));
  }

  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): void {
    tf.tidy(() => {
      this.validatePlain(kernel, bias);
      this.set('v', tf.clone(kernel));
      this.set('g', columnNorms(kernel));
      this.set('bias', tf.clone(bias));
    });
  }

  /** u = v/|v|, lambda = b/g (the primer's WN view; g < 0 flips the active side, not the hyperplane). */
  boundary(): Boundary {
    return tidy(() => {
      const v = this.variable('v') as tf.Tensor2D;
      return boundaryFrom(tf.div(v, columnNorms(v)) as tf.Tensor2D, tf.div(this.variable('bias'), this.variable('g')) as tf.Tensor1D);
    });
  }
}
