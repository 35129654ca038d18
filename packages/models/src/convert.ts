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
 * can be written as a plain ReLU unit. The model's function does not change. Asynchronous: the
 * radii are read with `await data()`. A unit whose sign has nowhere to go (no dense layer follows)
 * keeps it.
 */
export async function foldNegativeRadii(model: Model): Promise<number> {
  let folded = 0;
  // Last layer first: folding a sign bakes the next layer, which must hold no negative radius itself.
  for (const [index, layer] of [...model.layers.entries()].reverse()) {
    if (!(layer instanceof ParameterizedLayer) || layer.activation !== 'relu') continue;
    const signed = methodFacts(layer.parameterization.name).signedOutputScale;
    if (!signed) continue;
    const { units } = layer.geometry;
    const radii = signed.read(layer.parameterization);
    let r: Float32Array;
    try {
      r = (await radii.data()) as Float32Array;
    } finally {
      radii.dispose();
    }
    const negative = [...r.keys()].filter((j) => r[j]! < 0);
    if (negative.length === 0) continue;
    const next = model.layers.slice(index + 1).find((l) => l instanceof ParameterizedLayer) as ParameterizedLayer | undefined;
    if (!next || !(next.geometry.kernelShape.length === 2)) continue;
    // Read the next layer before changing anything, so a refusal (its own negative radii) leaves the model as it was.
    const plain = await next.bake();
    const flip = tf.tensor1d(Array.from(r, (v) => (v < 0 ? -1 : 1)));
    const kernel = tf.tidy(() => tf.mul(plain.kernel, tf.reshape(flip, [units, 1])));
    try {
      await next.load({ kernel, bias: plain.bias });
      signed.makeNonNegative(layer.parameterization);
      tf.tidy(() => {
        for (const between of model.layers.slice(index + 1, model.layers.indexOf(next))) {
          if (between instanceof InputMeanNormalization) between.movingMean.assign(tf.mul(between.movingMean, flip));
        }
      });
    } finally {
      tf.dispose([plain.kernel, plain.bias, flip, kernel]);
    }
    folded += negative.length;
  }
  return folded;
}

/** Converts layers of a model to another parameterization, keeping its function (at inference). */
export async function reparameterizeModel(model: Model, name: ParameterizationName | string, options: ReparameterizeOptions = {}): Promise<Model> {
  const target = methodFacts(name);
  const { layers = 'hidden', ...settings } = options;
  if (!target.signedOutputScale) await foldNegativeRadii(model);
  const chosen = layers === 'all' ? model.parameterizedLayers : model.reluLayers;
  for (const layer of chosen) await layer.reparameterize(target.name, settings);
  return model;
}

/** Bakes every layer into SP (plain kernel and bias), for export to any tfjs/TF consumer. */
export async function toStandard(model: Model): Promise<Model> {
  return reparameterizeModel(model, 'standard', { layers: 'all' });
}
