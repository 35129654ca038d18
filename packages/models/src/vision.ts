import { InvalidArgumentError, SeedStream, assertPositiveInteger } from '@geoparam/core';
import { Conv2D, Dense, InputMeanNormalization, resolveVariant, type VariantFacts } from '@geoparam/parameterizations';
import type { Layer } from './layers/layer';
import { GlobalAveragePool2D, MaxPool2D } from './layers/pooling';
import { ResidualBlock } from './layers/residual';
import { Model } from './model';

/** Options of `vgg6` and `resnet`. */
export interface VisionOptions {
  /** A variant of the paper's Table 2 (`sp`, `wn`, `wn+mbn`, `bn`, `gmp`, `gmp+imn`) or a method name. */
  variant: string;
  /** Per-example input shape `[height, width, channels]`. */
  inputShape: [number, number, number];
  classes: number;
  /** Scales every channel count (0.125 turns VGG-6's 128-512 into 16-64), for small runs. */
  width?: number;
  seed?: number;
}

function scaled(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}

function checkCommon(options: VisionOptions): { variant: VariantFacts; width: number; seeds: SeedStream } {
  const variant = resolveVariant(options.variant);
  const width = options.width ?? 1;
  if (!(width > 0 && Number.isFinite(width))) throw new InvalidArgumentError('width', width, 'a positive number');
  if (!Array.isArray(options.inputShape) || options.inputShape.length !== 3) throw new InvalidArgumentError('inputShape', options.inputShape, '[height, width, channels]');
  options.inputShape.forEach((d, i) => assertPositiveInteger(`inputShape[${i}]`, d));
  assertPositiveInteger('classes', options.classes);
  return { variant, width, seeds: new SeedStream(options.seed ?? 0) };
}

/**
 * VGG-6 (primer §5): [conv128 x2] pool [conv256 x2] pool [conv512 x2] pool, global average pool,
 * dense head; 3x3 SAME convs with ReLU. GmP+IMN puts IMN after every conv+ReLU, as the
 * reference does; the head stays a plain dense layer.
 */
export function vgg6(options: VisionOptions): Model {
  const { variant, width, seeds } = checkCommon(options);
  const layers: Layer[] = [];
  let channels = options.inputShape[2];
  for (const stage of [128, 256, 512]) {
    for (let i = 0; i < 2; i++) {
      const filters = scaled(stage, width);
      layers.push(new Conv2D({ inputChannels: channels, filters, kernelSize: 3, padding: 'same', activation: 'relu', parameterization: variant.parameterization, seed: seeds.next() }));
      if (variant.imn) layers.push(new InputMeanNormalization({ channels: filters }));
      channels = filters;
    }
    layers.push(new MaxPool2D(2, 2, 'same'));
  }
  layers.push(new GlobalAveragePool2D());
  layers.push(new Dense({ inputDim: channels, units: options.classes, activation: 'linear', seed: seeds.next() }));
  return new Model(`vgg6-${variant.label}`, layers, 'softmax', options.inputShape);
}

/** ResNet-18/34 with the ImageNet stem, or the CIFAR ResNet. */
export type ResNetDepth = 18 | 34 | 'cifar';

/** Options of `resnet`. */
export interface ResNetOptions extends VisionOptions {
  depth: ResNetDepth;
  /** Blocks per stage of the CIFAR ResNet (3 gives ResNet-20). */
  cifarBlocks?: number;
}

/**
 * ResNet-18/34 with the ImageNet stem (7x7/2 conv, 3x3/2 max pool) or the CIFAR ResNet-6n+2
 * (3x3 stem, stages of 16-32-64); basic blocks whose strided shortcuts are 1x1 convs of the same
 * parameterization, and for GmP+IMN the primer's block layout.
 */
export function resnet(options: ResNetOptions): Model {
  const { variant, width, seeds } = checkCommon(options);
  if (options.depth !== 18 && options.depth !== 34 && options.depth !== 'cifar') throw new InvalidArgumentError('depth', options.depth, '18, 34 or "cifar"');
  const cifar = options.depth === 'cifar';
  const layers: Layer[] = [];
  const stem = scaled(cifar ? 16 : 64, width);
  layers.push(new Conv2D({ inputChannels: options.inputShape[2], filters: stem, kernelSize: cifar ? 3 : 7, strides: cifar ? 1 : 2, padding: 'same', activation: 'relu', parameterization: variant.parameterization, seed: seeds.next() }));
  if (variant.imn) layers.push(new InputMeanNormalization({ channels: stem }));
  if (!cifar) layers.push(new MaxPool2D(3, 2, 'same'));
  const stages = cifar ? [16, 32, 64] : [64, 128, 256, 512];
  const blocks = cifar ? Array(3).fill(options.cifarBlocks ?? 3) : options.depth === 18 ? [2, 2, 2, 2] : [3, 4, 6, 3];
  let channels = stem;
  stages.forEach((stage, s) => {
    const filters = scaled(stage, width);
    for (let b = 0; b < blocks[s]!; b++) {
      const strides = b === 0 && s > 0 ? 2 : 1;
      layers.push(new ResidualBlock({ type: 'residual', inputChannels: channels, filters, strides, parameterization: variant.parameterization, imn: variant.imn, seed: seeds.next() }));
      channels = filters;
    }
  });
  layers.push(new GlobalAveragePool2D());
  layers.push(new Dense({ inputDim: channels, units: options.classes, activation: 'linear', seed: seeds.next() }));
  const name = cifar ? `resnet${6 * (options.cifarBlocks ?? 3) + 2}` : `resnet${options.depth}`;
  return new Model(`${name}-${variant.label}`, layers, 'softmax', options.inputShape);
}
