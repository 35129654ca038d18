import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '@geoparam/core';
import { BaseParameterization, boundaryFrom, columnNorms, glorotKernel, subtractMean, type InitOptions } from './base';
import { callMomentum, checkMomentum } from './batch-norm';
import { WeightNormMath, weightNormKernel } from './weight-norm';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation, Weights } from './types';

export interface MeanOnlyBatchNormOptions extends InitOptions {
  momentum?: number;
}

/**
 * WN+MBN, the paper's deep baseline (Salimans & Kingma): `relu(g (v/|v|).x - mu + b)` where `mu`
 * is the batch mean of the pre-activation in training and its running mean at inference.
 */
export class MeanOnlyBatchNormMath extends WeightNormMath {
  override readonly name = 'meanOnlyBatchNorm' as const;
  override readonly weightSpecs = [this.spec('g', null), this.spec('v', this.geometry.fanIn), this.spec('bias', null), this.spec('movingMean', null, false)];
  readonly momentum: number;

  constructor(geometry: LayerGeometry, options: { momentum?: number } = {}) {
    super(geometry);
    this.momentum = checkMomentum(options.momentum ?? 0.99);
  }

  override apply(weights: Weights, x: tf.Tensor, context: ApplyContext): PreActivation {
    const z = context.linear(x, weightNormKernel(weights['v'] as tf.Tensor2D, weights['g']!));
    const centered = subtractMean(z, weights['movingMean']!, context.training, callMomentum(this.momentum, context.statisticsMomentum));
    return {
      value: tf.add(centered.value, weights['bias']!),
      scale: null,
      ...(centered.movingMean ? { updates: { movingMean: centered.movingMean } } : {}),
    };
  }

  override forward(weights: Weights): EffectiveAffine {
    return tidy(() => ({
      kernel: weightNormKernel(weights['v'] as tf.Tensor2D, weights['g']!),
      bias: tf.sub(weights['bias']!, weights['movingMean']!) as tf.Tensor1D,
      scale: null,
    }));
  }

  override rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor> {
    return { ...super.rightInverse(kernel, bias), movingMean: tf.zeros([this.geometry.units]) };
  }

  /** u = v/|v|, lambda = (b - mu)/g with the running mean. */
  override boundary(weights: Weights): Boundary {
    return tidy(() => {
      const v = weights['v'] as tf.Tensor2D;
      const offset = tf.div(tf.sub(weights['bias']!, weights['movingMean']!), weights['g']!);
      return boundaryFrom(tf.div(v, columnNorms(v)) as tf.Tensor2D, offset as tf.Tensor1D);
    });
  }
}

export class MeanOnlyBatchNorm extends BaseParameterization {
  constructor(geometry: LayerGeometry, options: MeanOnlyBatchNormOptions = {}) {
    super(new MeanOnlyBatchNormMath(geometry, options), glorotKernel(geometry, options));
  }
}
