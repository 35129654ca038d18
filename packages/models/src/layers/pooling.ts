import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, assertPositiveInteger } from '@geoparam/core';
import type { Layer, ModelLayerConfig } from './layer';

abstract class StatelessLayer implements Layer {
  readonly trainableVariables: readonly tf.Variable[] = [];
  abstract apply(x: tf.Tensor): tf.Tensor;
  abstract getConfig(): ModelLayerConfig;
  getWeights(): Record<string, tf.Tensor> {
    return {};
  }
  setWeights(): void {}
  dispose(): void {}
}

function checkImages(what: string, x: tf.Tensor): void {
  if (x.rank !== 4) throw new ShapeMismatchError(`${what} input`, [null, null, null, null], x.shape);
}

/** Max pooling (no variables). */
export class MaxPool2D extends StatelessLayer {
  constructor(
    readonly poolSize = 2,
    readonly strides = poolSize,
    readonly padding: 'same' | 'valid' = 'valid',
  ) {
    super();
    assertPositiveInteger('poolSize', poolSize);
    assertPositiveInteger('strides', strides);
    if (padding !== 'same' && padding !== 'valid') throw new InvalidArgumentError('padding', padding, '"same" or "valid"');
  }

  /** Max over each window of a `[b, h, w, c]` batch. */
  apply(x: tf.Tensor): tf.Tensor {
    checkImages('maxPool', x);
    return tf.maxPool(x as tf.Tensor4D, this.poolSize, this.strides, this.padding);
  }

  /** Pool size, strides and padding as JSON. */
  getConfig(): ModelLayerConfig {
    return { type: 'maxPool', poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** Mean over height and width: `[b, h, w, c]` to `[b, c]`. */
export class GlobalAveragePool2D extends StatelessLayer {
  /** `[b, h, w, c]` to `[b, c]`. */
  apply(x: tf.Tensor): tf.Tensor {
    checkImages('globalAveragePool', x);
    return tf.mean(x, [1, 2]);
  }

  /** `{ type: 'globalAveragePool' }`. */
  getConfig(): ModelLayerConfig {
    return { type: 'globalAveragePool' };
  }
}
