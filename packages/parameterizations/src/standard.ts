import * as tf from '@tensorflow/tfjs-core';
import { BaseMath, BaseParameterization, affine, boundaryOfWeights, glorotKernel, type InitOptions } from './base';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation, Weights } from './types';

/** SP: `relu(x . w + b)` with raw `kernel` and `bias`. */
export class StandardMath extends BaseMath {
  readonly name = 'standard' as const;
  readonly weightSpecs = [this.spec('kernel', this.geometry.fanIn), this.spec('bias', null)];

  apply(weights: Weights, x: tf.Tensor, context: ApplyContext): PreActivation {
    return { value: affine(x, context, weights['kernel'] as tf.Tensor2D, weights['bias']!), scale: null };
  }

  forward(weights: Weights): EffectiveAffine {
    return { kernel: tf.clone(weights['kernel']!) as tf.Tensor2D, bias: tf.clone(weights['bias']!) as tf.Tensor1D, scale: null };
  }

  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor> {
    this.validatePlain(kernel, bias);
    return { kernel: tf.clone(kernel), bias: tf.clone(bias) };
  }

  boundary(weights: Weights): Boundary {
    return boundaryOfWeights(weights['kernel'] as tf.Tensor2D, weights['bias'] as tf.Tensor1D);
  }
}

export class Standard extends BaseParameterization {
  constructor(geometry: LayerGeometry, options: InitOptions = {}) {
    super(new StandardMath(geometry), glorotKernel(geometry, options));
  }
}
