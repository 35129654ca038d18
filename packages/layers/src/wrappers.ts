import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConversionError } from '@geoparam/core';
import { withParameterization } from './factories';
import type { ParameterizedLayer } from './parameterized-layer';
import { plainUnits } from './plain';

async function wrap(target: 'geometric' | 'weightNorm', layer: tfl.layers.Layer): Promise<ParameterizedLayer> {
  if (!layer.built) return withParameterization(target, layer);
  const { kernel, bias, scale, kernelShape } = plainUnits(layer);
  try {
    if (scale) {
      const negative = [...(await scale.data())].flatMap((v, i) => (v < 0 ? [i] : []));
      const activation = String(layer.getConfig()['activation'] ?? 'linear');
      if (negative.length > 0 && activation !== 'linear') {
        throw new ConversionError(`layer ${layer.name}: units [${negative.join(', ')}] have a negative scale after the ${activation} activation, which a plain kernel cannot carry (convert the whole model with reparameterizeLayersModel, which folds it into the next layer)`);
      }
    }
    const folded = tf.tidy(() => ({
      kernel: tf.reshape(scale ? tf.mul(kernel, scale) : kernel, kernelShape),
      bias: scale ? tf.mul(bias, scale) : tf.clone(bias),
    }));
    return withParameterization(target, layer, folded);
  } finally {
    tf.dispose([kernel, bias, ...(scale ? [scale] : [])]);
  }
}

/**
 * `await geometric(tf.layers.dense({...}))`: the GmP layer with the same configuration. A built
 * layer's current function carries over (its kernel and bias become angles, offsets and radii).
 * Asynchronous, as the parameterizations' own wrappers: a built layer's radii are read with
 * `await data()`.
 */
export function geometric(layer: tfl.layers.Layer): Promise<ParameterizedLayer> {
  return wrap('geometric', layer);
}

/** `await weightNorm(tf.layers.conv2d({...}))`: the weight-norm layer with the same configuration (and function, when built). */
export function weightNorm(layer: tfl.layers.Layer): Promise<ParameterizedLayer> {
  return wrap('weightNorm', layer);
}
