import * as tf from '@tensorflow/tfjs-core';
import { InputMeanNormalization, ParameterizedLayer, methodFacts, type ParameterizationName, type ParameterizationOptions } from '@geoparam/parameterizations';
import type { Model } from './model';

/** Options of `reparameterizeModel`: the target parameterization's own options. */
export interface ReparameterizeOptions extends ParameterizationOptions {
  /** Which layers to convert: the hidden ReLU layers (the paper's choice, default) or all. */
  layers?: 'hidden' | 'all';
}

/**
 * A unit `r * relu(z)` with a signed output scale `r < 0` (GmP's radius) is `-|r| relu(z)`: move
 * the sign into the next layer's weights (and the running mean of an IMN in between) so every unit
 * can be written as a plain ReLU unit. The model's function does not change.
 */
export function foldNegativeRadii(model: Model): number {
  let folded = 0;
  model.layers.forEach((layer, index) => {
    if (!(layer instanceof ParameterizedLayer) || layer.activation !== 'relu') return;
    const signed = methodFacts(layer.parameterization.name).signedOutputScale;
    if (!signed) return;
    const { units } = layer.geometry;
    const r = tf.tidy(() => signed.read(layer.parameterization).dataSync().slice());
    const negative = [...r.keys()].filter((j) => r[j]! < 0);
    if (negative.length === 0) return;
    const next = model.layers.slice(index + 1).find((l) => l instanceof ParameterizedLayer) as ParameterizedLayer | undefined;
    if (!next || !(next.geometry.kernelShape.length === 2)) return;
    const flip = tf.tensor1d(Array.from(r, (v) => (v < 0 ? -1 : 1)));
    signed.makeNonNegative(layer.parameterization);
    tf.tidy(() => {
      for (const between of model.layers.slice(index + 1, model.layers.indexOf(next))) {
        if (between instanceof InputMeanNormalization) between.movingMean.assign(tf.mul(between.movingMean, flip));
      }
      const plain = next.bake();
      next.load({ kernel: tf.mul(plain.kernel, tf.reshape(flip, [units, 1])), bias: plain.bias });
    });
    flip.dispose();
    folded += negative.length;
  });
  return folded;
}

/** Converts layers of a model to another parameterization, keeping its function (at inference). */
export function reparameterizeModel(model: Model, name: ParameterizationName | string, options: ReparameterizeOptions = {}): Model {
  const target = methodFacts(name);
  const { layers = 'hidden', ...settings } = options;
  if (!target.signedOutputScale) foldNegativeRadii(model);
  const chosen = layers === 'all' ? model.parameterizedLayers : model.reluLayers;
  for (const layer of chosen) layer.reparameterize(target.name, settings);
  return model;
}

/** Bakes every layer into SP (plain kernel and bias), for export to any tfjs/TF consumer. */
export function toStandard(model: Model): Model {
  return reparameterizeModel(model, 'standard', { layers: 'all' });
}
