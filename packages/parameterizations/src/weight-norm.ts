import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '@geoparam/core';
import { BaseMath, BaseParameterization, affine, boundaryFrom, columnNorms, glorotKernel, type InitOptions } from './base';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation, Weights } from './types';

/** `g v/|v|`, the effective kernel of weight norm. */
export function weightNormKernel(v: tf.Tensor2D, g: tf.Tensor): tf.Tensor2D {
  return tf.mul(tf.div(v, columnNorms(v)), g) as tf.Tensor2D;
}

/** WN (Salimans & Kingma): `relu(g (v/|v|) . x + b)`; at init `v` is Glorot and `g = |v|`, so it starts equal to SP. */
export class WeightNormMath extends BaseMath {
  readonly name: 'weightNorm' | 'meanOnlyBatchNorm' = 'weightNorm';
  readonly weightSpecs = [this.spec('g', null), this.spec('v', this.geometry.fanIn), this.spec('bias', null)];

  apply(weights: Weights, x: tf.Tensor, context: ApplyContext): PreActivation {
    return { value: affine(x, context, weightNormKernel(weights['v'] as tf.Tensor2D, weights['g']!), weights['bias']!), scale: null };
  }

  forward(weights: Weights): EffectiveAffine {
    return tidy(() => ({ kernel: weightNormKernel(weights['v'] as tf.Tensor2D, weights['g']!), bias: tf.clone(weights['bias']!) as tf.Tensor1D, scale: null }));
  }

  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor> {
    this.validatePlain(kernel, bias);
    return tidy(() => ({ g: columnNorms(kernel), v: tf.clone(kernel), bias: tf.clone(bias) }));
  }

  /** u = v/|v|, lambda = b/g (the primer's WN view; g < 0 flips the active side, not the hyperplane). */
  boundary(weights: Weights): Boundary {
    return tidy(() => {
      const v = weights['v'] as tf.Tensor2D;
      return boundaryFrom(tf.div(v, columnNorms(v)) as tf.Tensor2D, tf.div(weights['bias']!, weights['g']!) as tf.Tensor1D);
    });
  }
}

export class WeightNorm extends BaseParameterization {
  constructor(geometry: LayerGeometry, options: InitOptions = {}) {
    super(new WeightNormMath(geometry), glorotKernel(geometry, options));
  }
}
