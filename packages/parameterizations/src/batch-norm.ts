import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError , tidy } from '@geoparam/core';
import { BaseParameterization, boundaryFrom, columnNorms, updateRunning, type InitOptions } from './base';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation } from './types';

export interface BatchNormOptions extends InitOptions {
  /** Running-statistics momentum (Keras default 0.99). */
  momentum?: number;
  /** Added to the variance (Keras default 1e-3). */
  epsilon?: number;
}

export function checkMomentum(momentum: number): number {
  if (!(momentum >= 0 && momentum < 1)) throw new InvalidArgumentError('momentum', momentum, 'in [0, 1)');
  return momentum;
}

/**
 * BN after the affine map: `relu(gamma (x.w + b - mu)/sigma + beta)`. Training uses the batch's
 * statistics and updates running ones; inference and the CAB use the running ones.
 */
export class BatchNorm extends BaseParameterization {
  readonly momentum: number;
  readonly epsilon: number;

  constructor(geometry: LayerGeometry, options: BatchNormOptions = {}) {
    super('batchNorm', geometry);
    this.momentum = checkMomentum(options.momentum ?? 0.99);
    this.epsilon = options.epsilon ?? 1e-3;
    if (!(this.epsilon > 0)) throw new InvalidArgumentError('epsilon', this.epsilon, 'positive');
    this.addVariable('kernel', this.glorotKernel(options));
    this.addVariable('bias', tf.zeros([geometry.units]));
    this.addVariable('gamma', tf.ones([geometry.units]));
    this.addVariable('beta', tf.zeros([geometry.units]));
    this.addVariable('movingMean', tf.zeros([geometry.units]), false);
    this.addVariable('movingVariance', tf.ones([geometry.units]), false);
  }

  apply(x: tf.Tensor, context: ApplyContext): PreActivation {
    const z = this.affine(x, context, this.variable('kernel') as tf.Tensor2D, this.variable('bias'));
    let mean: tf.Tensor = this.variable('movingMean');
    let variance: tf.Tensor = this.variable('movingVariance');
    if (context.training) {
      ({ mean, variance } = tf.moments(z, [...this.geometry.statisticAxes]));
      updateRunning(this.variable('movingMean'), mean, this.momentum);
      updateRunning(this.variable('movingVariance'), variance, this.momentum);
    }
    const normalized = tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, this.epsilon)));
    return { value: tf.add(tf.mul(normalized, this.variable('gamma')), this.variable('beta')), scale: null };
  }

  private sigma(): tf.Tensor1D {
    return tf.sqrt(tf.add(this.variable("movingVariance"), this.epsilon)) as tf.Tensor1D;
  }

  forward(): EffectiveAffine {
    return tidy(() => {
      const factor = tf.div(this.variable('gamma'), this.sigma());
      return {
        kernel: tf.mul(this.variable('kernel'), factor) as tf.Tensor2D,
        bias: tf.add(tf.mul(tf.sub(this.variable('bias'), this.variable('movingMean')), factor), this.variable('beta')) as tf.Tensor1D,
        scale: null,
      };
    });
  }

  /** Exact at inference: mean 0, variance 1, gamma = sigma, beta 0, so the map is `x.w + b`. */
  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): void {
    tf.tidy(() => {
      this.validatePlain(kernel, bias);
      const units = this.geometry.units;
      this.set('kernel', tf.clone(kernel));
      this.set('bias', tf.clone(bias));
      this.set('movingMean', tf.zeros([units]));
      this.set('movingVariance', tf.ones([units]));
      this.set('gamma', tf.fill([units], Math.sqrt(1 + this.epsilon)));
      this.set('beta', tf.zeros([units]));
    });
  }

  /** The primer's BN view: u = w/|w|, lambda = (b - mu + sigma beta / gamma)/|w| with running mu, sigma. */
  boundary(): Boundary {
    return tidy(() => {
      const w = this.variable('kernel') as tf.Tensor2D;
      const norms = columnNorms(w);
      const effectiveBias = tf.add(
        tf.sub(this.variable('bias'), this.variable('movingMean')),
        tf.div(tf.mul(this.sigma(), this.variable('beta')), this.variable('gamma')),
      );
      return boundaryFrom(tf.div(w, norms) as tf.Tensor2D, tf.div(effectiveBias, norms) as tf.Tensor1D);
    });
  }
}
