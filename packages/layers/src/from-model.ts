import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConversionError } from '@geoparam/core';
import { InputMeanNormalization as GeoparamInputMeanNormalization, ParameterizedLayer as GeoparamParameterizedLayer } from '@geoparam/parameterizations';
import type { Model, ModelLayerConfig } from '@geoparam/models';
import { parameterizedLayerFor } from './factories';
import { InputMeanNormalization } from './normalization';

type Layer = tfl.layers.Layer;

/** A tfjs-layers layer and the values of its weights by (unscoped) name, set once the model is built. */
interface Pending {
  layer: Layer;
  values: Record<string, tf.Tensor>;
  /** Values made here (baked kernels), disposed after they are copied; the model's own are not. */
  owned: boolean;
}

async function affineLayer(layer: GeoparamParameterizedLayer, config: Extract<ModelLayerConfig, { type: 'dense' | 'conv2d' }>): Promise<Pending> {
  const shared =
    config.type === 'dense'
      ? { units: config.units, activation: config.activation }
      : { filters: config.filters, kernelSize: config.kernelSize, strides: config.strides, padding: config.padding, activation: config.activation };
  const own = parameterizedLayerFor(layer.parameterization.name, config.type, shared);
  if (own) return { layer: own, values: layer.parameterization.variables, owned: false };
  // No tfjs-layers class for this parameterization (BN, WN+MBN): its inference function as a stock
  // layer, which is exact with the running statistics it has now.
  const plain = await layer.bake();
  const stock = config.type === 'dense' ? tfl.layers.dense(shared as Parameters<typeof tfl.layers.dense>[0]) : tfl.layers.conv2d(shared as Parameters<typeof tfl.layers.conv2d>[0]);
  return { layer: stock, values: { kernel: plain.kernel, bias: plain.bias }, owned: true };
}

async function layerOf(layer: Model['layers'][number], index: number): Promise<Pending> {
  const config = layer.getConfig();
  switch (config.type) {
    case 'dense':
    case 'conv2d':
      return affineLayer(layer as unknown as GeoparamParameterizedLayer, config);
    case 'imn':
      return {
        layer: new InputMeanNormalization({ momentum: config.momentum }),
        values: { moving_mean: (layer as unknown as GeoparamInputMeanNormalization).movingMean },
        owned: false,
      };
    case 'maxPool':
      return { layer: tfl.layers.maxPooling2d({ poolSize: config.poolSize, strides: config.strides, padding: config.padding }), values: {}, owned: false };
    case 'globalAveragePool':
      return { layer: tfl.layers.globalAveragePooling2d({}), values: {}, owned: false };
    default:
      throw new ConversionError(`layer ${index} is a ${config.type} block, which toLayersModel does not convert (dense, conv2d, imn, maxPool and globalAveragePool layers are)`);
  }
}

/**
 * A `tf.LayersModel` computing what a geoparam `Model` computes, for `model.fit`, `model.save` and
 * any TF.js app. GmP and WN layers become the `@geoparam/layers` classes with the same weights (still
 * trainable in their parameterization); SP layers become stock `Dense`/`Conv2D`; BN and WN+MBN units,
 * which have no tfjs-layers class here, become stock layers with their inference function (running
 * statistics folded in, exact at inference). The head (sigmoid, softmax) becomes an `Activation`
 * layer. `bakeLayersModel` then makes a model of stock layers only. Residual blocks are refused with a
 * `ConversionError`. Asynchronous: baking a BN/WN+MBN unit reads with `await data()`.
 */
export async function toLayersModel(model: Model): Promise<tfl.LayersModel> {
  const inputShape = model.inputShape ?? (model.inputDim === null ? null : [model.inputDim]);
  if (!inputShape) throw new ConversionError(`model ${model.name} has no known input shape`);
  const pending: Pending[] = [];
  try {
    for (const [index, layer] of model.layers.entries()) pending.push(await layerOf(layer, index));
    const layers = pending.map((p) => p.layer);
    if (model.head !== 'linear') layers.push(tfl.layers.activation({ activation: model.head }));
    const result = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape }), ...layers] });
    for (const { layer, values } of pending) {
      layer.setWeights(
        layer.weights.map((weight) => {
          const name = weight.originalName.split('/').pop()!;
          const value = values[name];
          if (!value) throw new ConversionError(`${layer.getClassName()} weight ${name} has no value in the geoparam layer (it has ${Object.keys(values).join(', ')})`);
          return value;
        }),
      );
    }
    return result;
  } finally {
    for (const p of pending) if (p.owned) tf.dispose(Object.values(p.values));
  }
}
