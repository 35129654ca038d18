import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, SeedStream, assertPositiveInteger } from '@geoparam/core';
import { Conv2D, InputMeanNormalization, resolveParameterizationName, type ApplyOptions } from '@geoparam/parameterizations';
import type { CompositeLayer, Layer, ResidualConfig } from './layer';

/**
 * A basic residual block. With IMN (the paper's GmP+IMN layout): conv3x3 -> ReLU -> IMN ->
 * conv3x3 (no activation) -> + shortcut -> ReLU -> IMN. The shortcut is the identity, or a strided
 * 1x1 conv of the same parameterization when the shape changes. Without IMN it is the usual block
 * for BN and WN+MBN, whose normalization lives in the conv's parameterization.
 */
export class ResidualBlock implements CompositeLayer {
  readonly conv1: Conv2D;
  readonly conv2: Conv2D;
  readonly shortcut: Conv2D | null;
  readonly imn1: InputMeanNormalization | null;
  readonly imn2: InputMeanNormalization | null;

  constructor(readonly config: ResidualConfig & { seed?: number }) {
    assertPositiveInteger('inputChannels', config.inputChannels);
    assertPositiveInteger('filters', config.filters);
    assertPositiveInteger('strides', config.strides);
    const parameterization = resolveParameterizationName(config.parameterization);
    if (typeof config.imn !== 'boolean') throw new InvalidArgumentError('imn', config.imn, 'a boolean');
    const seeds = new SeedStream(config.seed ?? 0);
    this.conv1 = new Conv2D({ inputChannels: config.inputChannels, filters: config.filters, kernelSize: 3, strides: config.strides, padding: 'same', activation: 'relu', parameterization, seed: seeds.next() });
    this.conv2 = new Conv2D({ inputChannels: config.filters, filters: config.filters, kernelSize: 3, padding: 'same', activation: 'linear', parameterization, seed: seeds.next() });
    this.shortcut =
      config.strides !== 1 || config.inputChannels !== config.filters
        ? new Conv2D({ inputChannels: config.inputChannels, filters: config.filters, kernelSize: 1, strides: config.strides, padding: 'same', activation: 'linear', parameterization, seed: seeds.next() })
        : null;
    this.imn1 = config.imn ? new InputMeanNormalization({ channels: config.filters }) : null;
    this.imn2 = config.imn ? new InputMeanNormalization({ channels: config.filters }) : null;
  }

  private named(): [string, Layer][] {
    const parts: [string, Layer | null][] = [
      ['conv1', this.conv1],
      ['imn1', this.imn1],
      ['conv2', this.conv2],
      ['shortcut', this.shortcut],
      ['imn2', this.imn2],
    ];
    return parts.filter((p): p is [string, Layer] => p[1] !== null);
  }

  get sublayers(): readonly Layer[] {
    return this.named().map(([, layer]) => layer);
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.sublayers.flatMap((l) => [...l.trainableVariables]);
  }

  apply(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      let h = this.conv1.apply(x, options);
      if (this.imn1) h = this.imn1.apply(h, options);
      h = this.conv2.apply(h, options);
      const skip = this.shortcut ? this.shortcut.apply(x, options) : x;
      let out: tf.Tensor = tf.relu(tf.add(h, skip));
      if (this.imn2) out = this.imn2.apply(out, options);
      return out;
    });
  }

  getConfig(): ResidualConfig {
    const { type, inputChannels, filters, strides, imn } = this.config;
    return { type, inputChannels, filters, strides, parameterization: this.conv1.parameterization.name, imn };
  }

  getWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, layer] of this.named()) for (const [key, value] of Object.entries(layer.getWeights())) out[`${name}.${key}`] = value;
    return out;
  }

  setWeights(weights: Record<string, tf.Tensor>): void {
    for (const [name, layer] of this.named()) {
      const own = Object.fromEntries(
        Object.entries(weights)
          .filter(([key]) => key.startsWith(`${name}.`))
          .map(([key, value]) => [key.slice(name.length + 1), value]),
      );
      layer.setWeights(own);
    }
  }

  dispose(): void {
    for (const layer of this.sublayers) layer.dispose();
  }
}
