import * as tf from '@tensorflow/tfjs-core';
import { conv2d, dense, type ParameterizationName, type ParameterizedLayer } from '@geoparam/parameterizations';

export type Kind = 'dense' | 'conv2d';

export function makeLayer(kind: Kind, parameterization: ParameterizationName, seed = 1, activation: 'relu' | 'linear' = 'relu'): ParameterizedLayer {
  return kind === 'dense'
    ? dense({ inputDim: 5, units: 4, parameterization, seed, activation })
    : conv2d({ inputChannels: 3, filters: 4, kernelSize: 3, strides: 1, padding: 'same', parameterization, seed, activation });
}

export function makeInput(kind: Kind, seed = 2): tf.Tensor {
  return kind === 'dense' ? tf.randomNormal([16, 5], 0, 1, 'float32', seed) : tf.randomNormal([4, 6, 6, 3], 0, 1, 'float32', seed);
}

/** Some bias, so boundaries sit off the origin and conversions are not trivially exact. */
export async function perturbBiases(layer: ParameterizedLayer): Promise<void> {
  const plain = await layer.bake();
  const bias = tf.tidy(() => tf.add(plain.bias, tf.randomNormal(plain.bias.shape, 0, 0.3, 'float32', 4)) as tf.Tensor1D);
  try {
    await layer.load({ kernel: plain.kernel, bias });
  } finally {
    tf.dispose([plain.kernel, plain.bias, bias]);
  }
}
