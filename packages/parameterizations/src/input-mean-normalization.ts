import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, assertPositiveInteger, assertShape, tidy } from '@geoparam/core';
import { callMomentum, checkMomentum } from './batch-norm';
import { subtractMean } from './base';
import type { ApplyOptions } from './layers';

export interface InputMeanNormalizationOptions {
  /** Size of the last axis (features or channels). */
  channels: number;
  /** Running-mean momentum (0.99, as in the paper). */
  momentum?: number;
}

/**
 * IMN: subtracts the mean of each channel of a layer's input, parameter-free. Training uses the
 * batch mean (over every axis but the last) and updates a running mean; inference uses the
 * running mean.
 */
export class InputMeanNormalization {
  readonly channels: number;
  readonly momentum: number;
  readonly movingMean: tf.Variable;

  constructor(options: InputMeanNormalizationOptions) {
    assertPositiveInteger('channels', options.channels);
    this.channels = options.channels;
    this.momentum = checkMomentum(options.momentum ?? 0.99);
    const zeros = tf.zeros([options.channels]);
    this.movingMean = tf.variable(zeros, false);
    zeros.dispose();
  }

  get trainableVariables(): readonly tf.Variable[] {
    return [];
  }

  apply(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.channels) {
      throw new ShapeMismatchError('IMN input', [...Array(Math.max(x.rank - 1, 1)).fill(null), this.channels], x.shape);
    }
    return tidy(() => {
      const { value, movingMean } = subtractMean(x, this.movingMean, options.training ?? false, callMomentum(this.momentum, options.statisticsMomentum));
      if (movingMean) this.movingMean.assign(movingMean);
      return value;
    });
  }

  getWeights(): Record<string, tf.Tensor> {
    return { movingMean: tf.clone(this.movingMean) };
  }

  setWeights(weights: Record<string, tf.Tensor>): void {
    const value = weights['movingMean'];
    if (!value) throw new InvalidArgumentError('weights', Object.keys(weights), 'to contain "movingMean"');
    assertShape('weights.movingMean', value, [this.channels]);
    this.movingMean.assign(value);
  }

  getConfig(): { type: 'imn'; channels: number; momentum: number } {
    return { type: 'imn', channels: this.channels, momentum: this.momentum };
  }

  dispose(): void {
    this.movingMean.dispose();
  }
}

export function inputMeanNormalization(options: InputMeanNormalizationOptions): InputMeanNormalization {
  return new InputMeanNormalization(options);
}
