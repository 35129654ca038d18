import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError, assertShape } from '@geoparam/core';
import {
  Conv2D,
  Dense,
  InputMeanNormalization,
  ParameterizedLayer,
  type ApplyOptions,
  type LayerConfig,
} from '@geoparam/parameterizations';

export type Head = 'linear' | 'sigmoid' | 'softmax';

export type ModelLayer = ParameterizedLayer | InputMeanNormalization;

export type ModelLayerConfig = LayerConfig | { type: 'imn'; channels: number; momentum: number };

export interface ModelConfig {
  name: string;
  head: Head;
  layers: ModelLayerConfig[];
}

export function checkHead(head: string): Head {
  if (head !== 'linear' && head !== 'sigmoid' && head !== 'softmax') throw new InvalidArgumentError('head', head, '"linear", "sigmoid" or "softmax"');
  return head;
}

export function layerFromConfig(config: ModelLayerConfig): ModelLayer {
  switch (config.type) {
    case 'dense':
      return new Dense({ ...config.options, inputDim: config.inputDim, units: config.units, activation: config.activation, parameterization: config.parameterization });
    case 'conv2d':
      return new Conv2D({
        ...config.options,
        inputChannels: config.inputChannels,
        filters: config.filters,
        kernelSize: config.kernelSize,
        strides: config.strides,
        padding: config.padding,
        activation: config.activation,
        parameterization: config.parameterization,
      });
    case 'imn':
      return new InputMeanNormalization({ channels: config.channels, momentum: config.momentum });
    default:
      throw new InvalidArgumentError('layer.type', (config as { type: unknown }).type, '"dense", "conv2d" or "imn"');
  }
}

/**
 * A stack of layers with a head. `logits` is what losses consume (numerically stable
 * cross-entropy); `predict` applies the head.
 */
export class Model {
  readonly name: string;
  readonly head: Head;
  readonly layers: ModelLayer[];

  constructor(name: string, layers: ModelLayer[], head: Head = 'linear') {
    if (layers.length === 0) throw new InvalidArgumentError('layers', layers, 'at least one layer');
    checkHead(head);
    this.name = name;
    this.layers = layers;
    this.head = head;
  }

  /** The parameterized layers with a ReLU: the units whose CABs the paper studies. */
  get reluLayers(): ParameterizedLayer[] {
    return this.layers.filter((l): l is ParameterizedLayer => l instanceof ParameterizedLayer && l.activation === 'relu');
  }

  get parameterizedLayers(): ParameterizedLayer[] {
    return this.layers.filter((l): l is ParameterizedLayer => l instanceof ParameterizedLayer);
  }

  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => [...l.trainableVariables]);
  }

  get inputDim(): number | null {
    const first = this.layers.find((l) => l instanceof Dense);
    return first && first === this.layers.find((l) => l instanceof ParameterizedLayer) ? first.geometry.fanIn : null;
  }

  logits(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor {
    return tf.tidy(() => this.layers.reduce<tf.Tensor>((h, layer) => layer.apply(h, options), x));
  }

  predict(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const logits = this.logits(x);
      if (this.head === 'sigmoid') return tf.sigmoid(logits);
      if (this.head === 'softmax') return tf.softmax(logits);
      return logits;
    });
  }

  getConfig(): ModelConfig {
    return { name: this.name, head: this.head, layers: this.layers.map((l) => l.getConfig()) };
  }

  /** Every variable (trainable and running statistics) as `<layer index>/<name>`. Caller disposes. */
  getWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.layers.forEach((layer, i) => {
      for (const [key, value] of Object.entries(layer.getWeights())) out[`${i}/${key}`] = value;
    });
    return out;
  }

  setWeights(weights: Record<string, tf.Tensor>): void {
    const expected = this.layers.flatMap((layer, i) => Object.keys(layerVariables(layer)).map((k) => `${i}/${k}`));
    const missing = expected.filter((k) => !(k in weights));
    if (missing.length) throw new InvalidArgumentError('weights', Object.keys(weights), `to contain ${missing.join(', ')}`);
    this.layers.forEach((layer, i) => {
      const own: Record<string, tf.Tensor> = {};
      for (const key of Object.keys(layerVariables(layer))) own[key] = weights[`${i}/${key}`]!;
      layer.setWeights(own);
    });
  }

  /** Checks a batch's feature count before any layer sees it. */
  checkInput(x: tf.Tensor): void {
    const dim = this.inputDim;
    if (dim !== null) assertShape('model input', x, [null, dim]);
    else if (x.rank < 2) throw new ShapeMismatchError('model input', [null, null], x.shape);
  }

  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }
}

function layerVariables(layer: ModelLayer): Record<string, tf.Variable> {
  return layer instanceof InputMeanNormalization ? { movingMean: layer.movingMean } : { ...layer.parameterization.variables };
}
