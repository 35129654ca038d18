import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, tidy } from '@geoparam/core';
import { ParameterizedLayer } from './parameterized-layer';

/**
 * A Dense/Conv2D unit layer as a plain map `scale * act(x . kernel + bias)`: kernel `[n, units]`
 * (columns per unit), bias `[units]`, and the per-unit factor after the activation (null for all
 * but parameterizations with one, e.g. GmP's radius). Caller disposes.
 */
export interface PlainUnits {
  kernel: tf.Tensor2D;
  bias: tf.Tensor1D;
  scale: tf.Tensor1D | null;
  /** The layer's kernel shape (`[n, units]` or `[kh, kw, cin, cout]`). */
  kernelShape: number[];
}

/** The current function of a stock `Dense`/`Conv2D` or a geoparam layer, in plain terms. */
export function plainUnits(layer: tfl.layers.Layer): PlainUnits {
  if (layer instanceof ParameterizedLayer) {
    const { kernel, bias, scale } = tidy(() => layer.math.forward(layer.mathWeights()));
    return { kernel, bias, scale, kernelShape: [...layer.math.geometry.kernelShape] };
  }
  const className = layer.getClassName();
  if (className !== 'Dense' && className !== 'Conv2D') throw new InvalidArgumentError('layer', className, 'a Dense or Conv2D layer (stock or geoparam)');
  const [kernel, bias] = layer.getWeights();
  if (!kernel) throw new InvalidArgumentError('layer', layer.name, 'built (with weights)');
  const units = kernel.shape[kernel.rank - 1]!;
  const plain = tf.tidy(() => ({
    kernel: tf.reshape(kernel, [-1, units]) as tf.Tensor2D,
    bias: (bias ? tf.clone(bias) : tf.zeros([units])) as tf.Tensor1D,
  }));
  return { ...plain, scale: null, kernelShape: [...kernel.shape] };
}
