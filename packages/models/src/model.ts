import * as tf from '@tensorflow/tfjs-core';
import { GeoparamError, InvalidArgumentError, ShapeMismatchError, assertShape } from '@geoparam/core';
import { Conv2D, Dense, InputMeanNormalization, ParameterizedLayer, type ApplyOptions } from '@geoparam/parameterizations';
import { isComposite, type Layer, type ModelLayerConfig } from './layers/layer';
import { GlobalAveragePool2D, MaxPool2D } from './layers/pooling';
import { ResidualBlock } from './layers/residual';

/** What `Model.predict` applies to the logits. */
export type Head = 'linear' | 'sigmoid' | 'softmax';

/** A layer a `Model` stacks. */
export type ModelLayer = Layer;
export type { ModelLayerConfig } from './layers/layer';

/** A model's architecture as JSON: what model files store and `loadModel` rebuilds. */
export interface ModelConfig {
  name: string;
  head: Head;
  layers: ModelLayerConfig[];
  /** Per-example input shape for image models (`[h, w, c]`); dense models infer it. */
  inputShape?: number[];
}

export function checkHead(head: string): Head {
  if (head !== 'linear' && head !== 'sigmoid' && head !== 'softmax') throw new InvalidArgumentError('head', head, '"linear", "sigmoid" or "softmax"');
  return head;
}

/** Rebuilds a layer (fresh weights) from its `getConfig()`; an unknown type is an `InvalidArgumentError`. */
export function layerFromConfig(config: ModelLayerConfig): Layer {
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
    case 'maxPool':
      return new MaxPool2D(config.poolSize, config.strides, config.padding);
    case 'globalAveragePool':
      return new GlobalAveragePool2D();
    case 'residual':
      return new ResidualBlock(config);
    default:
      throw new InvalidArgumentError('layer.type', (config as { type: unknown }).type, '"dense", "conv2d", "imn", "maxPool", "globalAveragePool" or "residual"');
  }
}

/** Every parameterized layer, looking inside composite layers (residual blocks). */
function parameterizedIn(layers: readonly Layer[]): ParameterizedLayer[] {
  return layers.flatMap((layer) => (layer instanceof ParameterizedLayer ? [layer] : isComposite(layer) ? parameterizedIn(layer.sublayers) : []));
}

/** A model used after `dispose()`: its weights are gone. */
export class ModelDisposedError extends GeoparamError {
  constructor(readonly model: string) {
    super('MODEL_DISPOSED', `model "${model}" was disposed; build or load it again before using it`);
  }
}

/**
 * A stack of layers with a head. `logits` is what losses consume (numerically stable
 * cross-entropy); `predict` applies the head.
 */
export class Model {
  readonly name: string;
  readonly head: Head;
  readonly layers: Layer[];
  readonly inputShape: number[] | null;
  private disposed = false;

  constructor(name: string, layers: Layer[], head: Head = 'linear', inputShape?: number[]) {
    if (layers.length === 0) throw new InvalidArgumentError('layers', layers, 'at least one layer');
    checkHead(head);
    this.name = name;
    this.layers = layers;
    this.head = head;
    this.inputShape = inputShape ? [...inputShape] : null;
  }

  /** The parameterized layers with a ReLU: the units whose CABs the paper studies. */
  get reluLayers(): ParameterizedLayer[] {
    return parameterizedIn(this.layers).filter((l) => l.activation === 'relu');
  }

  get parameterizedLayers(): ParameterizedLayer[] {
    return parameterizedIn(this.layers);
  }

  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => [...l.trainableVariables]);
  }

  get inputDim(): number | null {
    const first = this.layers.find((l) => l instanceof Dense);
    return first && first === this.layers.find((l) => l instanceof ParameterizedLayer) ? first.geometry.fanIn : null;
  }

  /** The output before the head, for a batch. */
  logits(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor {
    this.assertUsable();
    return tf.tidy(() => this.layers.reduce<tf.Tensor>((h, layer) => layer.apply(h, options), x));
  }

  /** The head applied to the logits (sigmoid or softmax probabilities, or the logits themselves). */
  predict(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const logits = this.logits(x);
      if (this.head === 'sigmoid') return tf.sigmoid(logits);
      if (this.head === 'softmax') return tf.softmax(logits);
      return logits;
    });
  }

  /** The architecture as JSON. */
  getConfig(): ModelConfig {
    return { name: this.name, head: this.head, layers: this.layers.map((l) => l.getConfig()), ...(this.inputShape ? { inputShape: [...this.inputShape] } : {}) };
  }

  /** Every variable (trainable and running statistics) as `<layer index>/<name>`. Caller disposes. */
  getWeights(): Record<string, tf.Tensor> {
    this.assertUsable();
    const out: Record<string, tf.Tensor> = {};
    this.layers.forEach((layer, i) => {
      for (const [key, value] of Object.entries(layer.getWeights())) out[`${i}/${key}`] = value;
    });
    return out;
  }

  /** Each layer takes the entries under its `<index>/` prefix and names any it misses. */
  setWeights(weights: Record<string, tf.Tensor>): void {
    this.assertUsable();
    const perLayer = this.layers.map(() => ({}) as Record<string, tf.Tensor>);
    for (const [key, value] of Object.entries(weights)) {
      const slash = key.indexOf('/');
      const own = perLayer[Number(key.slice(0, slash))];
      if (slash < 1 || !own) throw new InvalidArgumentError('weights', key, `keys of the form <layer index 0..${this.layers.length - 1}>/<name>`);
      own[key.slice(slash + 1)] = value;
    }
    this.layers.forEach((layer, i) => layer.setWeights(perLayer[i]!));
  }

  /** Checks a batch's shape before any layer sees it. */
  checkInput(x: tf.Tensor): void {
    if (this.inputShape) {
      assertShape('model input', x, [null, ...this.inputShape]);
      return;
    }
    const dim = this.inputDim;
    if (dim !== null) assertShape('model input', x, [null, dim]);
    else if (x.rank < 2) throw new ShapeMismatchError('model input', [null, null], x.shape);
  }

  /** Throws ModelDisposedError once `dispose()` has run: its weights are gone. */
  assertUsable(): void {
    if (this.disposed) throw new ModelDisposedError(this.name);
  }

  /** Frees every layer's variables. */
  dispose(): void {
    this.disposed = true;
    for (const layer of this.layers) layer.dispose();
  }
}
