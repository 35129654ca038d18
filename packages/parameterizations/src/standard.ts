import * as tf from '@tensorflow/tfjs-core';
import { BaseParameterization, boundaryOfWeights, type InitOptions } from './base';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation } from './types';

/** SP: `relu(x . w + b)` with raw `kernel` and `bias`. */
export class Standard extends BaseParameterization {
  constructor(geometry: LayerGeometry, options: InitOptions = {}) {
    super('standard', geometry);
    this.addVariable('kernel', this.glorotKernel(options));
    this.addVariable('bias', tf.zeros([geometry.units]));
  }

  apply(x: tf.Tensor, context: ApplyContext): PreActivation {
    return { value: this.affine(x, context, this.variable('kernel') as tf.Tensor2D, this.variable('bias')), scale: null };
  }

  forward(): EffectiveAffine {
    return {
      kernel: tf.clone(this.variable('kernel')) as tf.Tensor2D,
      bias: tf.clone(this.variable('bias')) as tf.Tensor1D,
      scale: null,
    };
  }

  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): void {
    tf.tidy(() => {
      this.validatePlain(kernel, bias);
      this.set('kernel', tf.clone(kernel));
      this.set('bias', tf.clone(bias));
    });
  }

  boundary(): Boundary {
    return boundaryOfWeights(this.variable('kernel') as tf.Tensor2D, this.variable('bias') as tf.Tensor1D);
  }
}
