import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '@geoparam/core';
import { updateRunning } from './base';
import { checkMomentum } from './batch-norm';
import { WeightNorm } from './weight-norm';
import type { InitOptions } from './base';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation } from './types';
import { boundaryFrom, columnNorms } from './base';

export interface MeanOnlyBatchNormOptions extends InitOptions {
  momentum?: number;
}

/**
 * WN+MBN, the paper's deep baseline (Salimans & Kingma): `relu(g (v/|v|).x - mu + b)` where `mu`
 * is the batch mean of the pre-activation in training and its running mean at inference.
 */
export class MeanOnlyBatchNorm extends WeightNorm {
  override readonly name = 'meanOnlyBatchNorm' as const;
  readonly momentum: number;

  constructor(geometry: LayerGeometry, options: MeanOnlyBatchNormOptions = {}) {
    super(geometry, options);
    this.momentum = checkMomentum(options.momentum ?? 0.99);
    this.addVariable('movingMean', tf.zeros([geometry.units]), false);
  }

  override apply(x: tf.Tensor, context: ApplyContext): PreActivation {
    const z = context.linear(x, this.kernel());
    let mean: tf.Tensor = this.variable('movingMean');
    if (context.training) {
      mean = tf.mean(z, [...this.geometry.statisticAxes]);
      updateRunning(this.variable('movingMean'), mean, this.momentum);
    }
    return { value: tf.add(tf.sub(z, mean), this.variable('bias')), scale: null };
  }

  override forward(): EffectiveAffine {
    return tidy(() => ({
      kernel: this.kernel(),
      bias: tf.sub(this.variable('bias'), this.variable('movingMean')) as tf.Tensor1D,
      scale: null,
    }));
  }

  override rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): void {
    super.rightInverse(kernel, bias);
    tf.tidy(() => this.set('movingMean', tf.zeros([this.geometry.units])));
  }

  /** u = v/|v|, lambda = (b - mu)/g with the running mean. */
  override boundary(): Boundary {
    return tidy(() => {
      const v = this.variable('v') as tf.Tensor2D;
      const offset = tf.div(tf.sub(this.variable('bias'), this.variable('movingMean')), this.variable('g'));
      return boundaryFrom(tf.div(v, columnNorms(v)) as tf.Tensor2D, offset as tf.Tensor1D);
    });
  }
}
