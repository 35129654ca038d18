import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, tidy } from '@geoparam/core';
import { BaseMath, BaseParameterization, affine, boundaryFrom, columnNorms, glorotKernel, movingAverage, type InitOptions } from './base';
import type { ApplyContext, Boundary, EffectiveAffine, LayerGeometry, PreActivation, Weights } from './types';

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

/** The momentum a training call updates running statistics with: the call's override, else the layer's own. */
export function callMomentum(own: number, override: number | undefined): number {
  return override === undefined ? own : checkMomentum(override);
}

/**
 * BN after the affine map: `relu(gamma (x.w + b - mu)/sigma + beta)`. Training uses the batch's
 * statistics and updates running ones; inference and the CAB use the running ones.
 */
export class BatchNormMath extends BaseMath {
  readonly name = 'batchNorm' as const;
  readonly weightSpecs = [
    this.spec('kernel', this.geometry.fanIn),
    this.spec('bias', null),
    this.spec('gamma', null),
    this.spec('beta', null),
    this.spec('movingMean', null, false),
    this.spec('movingVariance', null, false),
  ];
  readonly momentum: number;
  readonly epsilon: number;

  constructor(geometry: LayerGeometry, options: BatchNormOptions = {}) {
    super(geometry);
    this.momentum = checkMomentum(options.momentum ?? 0.99);
    this.epsilon = options.epsilon ?? 1e-3;
    if (!(this.epsilon > 0)) throw new InvalidArgumentError('epsilon', this.epsilon, 'positive');
  }

  /** Keras' initial state: gamma 1, beta 0, running mean 0 and variance 1. */
  override initialWeights(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor> {
    const units = this.geometry.units;
    return {
      kernel: tf.clone(kernel),
      bias: tf.clone(bias),
      gamma: tf.ones([units]),
      beta: tf.zeros([units]),
      movingMean: tf.zeros([units]),
      movingVariance: tf.ones([units]),
    };
  }

  apply(weights: Weights, x: tf.Tensor, context: ApplyContext): PreActivation {
    const z = affine(x, context, weights['kernel'] as tf.Tensor2D, weights['bias']!);
    let mean: tf.Tensor = weights['movingMean']!;
    let variance: tf.Tensor = weights['movingVariance']!;
    let updates: Record<string, tf.Tensor> | undefined;
    if (context.training) {
      ({ mean, variance } = tf.moments(z, [...this.geometry.statisticAxes]));
      const momentum = callMomentum(this.momentum, context.statisticsMomentum);
      updates = {
        movingMean: movingAverage(weights['movingMean']!, mean, momentum),
        movingVariance: movingAverage(weights['movingVariance']!, variance, momentum),
      };
    }
    const normalized = tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, this.epsilon)));
    return { value: tf.add(tf.mul(normalized, weights['gamma']!), weights['beta']!), scale: null, ...(updates ? { updates } : {}) };
  }

  private sigma(weights: Weights): tf.Tensor1D {
    return tf.sqrt(tf.add(weights['movingVariance']!, this.epsilon)) as tf.Tensor1D;
  }

  forward(weights: Weights): EffectiveAffine {
    return tidy(() => {
      const factor = tf.div(weights['gamma']!, this.sigma(weights));
      return {
        kernel: tf.mul(weights['kernel']!, factor) as tf.Tensor2D,
        bias: tf.add(tf.mul(tf.sub(weights['bias']!, weights['movingMean']!), factor), weights['beta']!) as tf.Tensor1D,
        scale: null,
      };
    });
  }

  /** Exact at inference: mean 0, variance 1, gamma = sigma, beta 0, so the map is `x.w + b`. */
  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor> {
    this.validatePlain(kernel, bias);
    const units = this.geometry.units;
    return {
      kernel: tf.clone(kernel),
      bias: tf.clone(bias),
      movingMean: tf.zeros([units]),
      movingVariance: tf.ones([units]),
      gamma: tf.fill([units], Math.sqrt(1 + this.epsilon)),
      beta: tf.zeros([units]),
    };
  }

  /** The primer's BN view: u = w/|w|, lambda = (b - mu + sigma beta / gamma)/|w| with running mu, sigma. */
  boundary(weights: Weights): Boundary {
    return tidy(() => {
      const w = weights['kernel'] as tf.Tensor2D;
      const norms = columnNorms(w);
      const effectiveBias = tf.add(
        tf.sub(weights['bias']!, weights['movingMean']!),
        tf.div(tf.mul(this.sigma(weights), weights['beta']!), weights['gamma']!),
      );
      return boundaryFrom(tf.div(w, norms) as tf.Tensor2D, tf.div(effectiveBias, norms) as tf.Tensor1D);
    });
  }
}

export class BatchNorm extends BaseParameterization {
  constructor(geometry: LayerGeometry, options: BatchNormOptions = {}) {
    super(new BatchNormMath(geometry, options), glorotKernel(geometry, options));
  }
}
