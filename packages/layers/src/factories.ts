import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@geoparam/core';
import type { ParameterizationName } from '@geoparam/parameterizations';
import {
  GeometricConv2D,
  GeometricDense,
  WeightNormConv2D,
  WeightNormDense,
  type ParameterizedConv2DArgs,
  type ParameterizedDenseArgs,
  type ParameterizedLayer,
} from './parameterized-layer';
import {
  InputMeanNormalization,
  MeanOnlyBatchNormalization,
  type MeanNormalizationArgs,
  type MeanOnlyBatchNormalizationArgs,
} from './normalization';

/** `tf.layers.dense` with GmP units `r act(u(theta).x + lambda)`. */
export function geometricDense(args: ParameterizedDenseArgs): GeometricDense {
  return new GeometricDense(args);
}

/** `tf.layers.conv2d` with GmP filters. */
export function geometricConv2d(args: ParameterizedConv2DArgs): GeometricConv2D {
  return new GeometricConv2D(args);
}

/** `tf.layers.dense` with weight-normalized units `act(g (v/|v|).x + b)`. */
export function weightNormDense(args: ParameterizedDenseArgs): WeightNormDense {
  return new WeightNormDense(args);
}

/** `tf.layers.conv2d` with weight-normalized filters. */
export function weightNormConv2d(args: ParameterizedConv2DArgs): WeightNormConv2D {
  return new WeightNormConv2D(args);
}

export function meanOnlyBatchNormalization(args: MeanOnlyBatchNormalizationArgs = {}): MeanOnlyBatchNormalization {
  return new MeanOnlyBatchNormalization(args);
}

export function inputMeanNormalization(args: MeanNormalizationArgs = {}): InputMeanNormalization {
  return new InputMeanNormalization(args);
}

type Kind = 'dense' | 'conv2d';

/** The tfjs-layers class of each parameterization that has one; a map, so no code compares names. */
const constructors: Partial<Record<ParameterizationName, Record<Kind, (args: never) => ParameterizedLayer>>> = {
  geometric: { dense: (a: ParameterizedDenseArgs) => new GeometricDense(a), conv2d: (a: ParameterizedConv2DArgs) => new GeometricConv2D(a) },
  weightNorm: { dense: (a: ParameterizedDenseArgs) => new WeightNormDense(a), conv2d: (a: ParameterizedConv2DArgs) => new WeightNormConv2D(a) },
};

/** The kind of affine layer a config describes, from its class name. */
export function affineKind(layer: tfl.layers.Layer): Kind | null {
  const name = layer.getClassName();
  if (name === 'Dense' || name.endsWith('Dense')) return 'dense';
  if (name === 'Conv2D' || name.endsWith('Conv2D')) return 'conv2d';
  return null;
}

/** The config keys a parameterized layer shares with `tf.layers.dense`/`conv2d`. */
const SHARED_KEYS = ['units', 'filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'seed', 'trainable', 'batchInputShape', 'dtype'];

/**
 * A layer of the `target` parameterization with the configuration of `layer` (a `Dense`/`Conv2D`
 * or a geoparam layer), with `activation` instead of its own if given. The new layer starts from
 * `plain` (kernel and bias) when given, and takes those tensors over.
 */
export function withParameterization(
  target: ParameterizationName,
  layer: tfl.layers.Layer,
  plain?: { kernel: tf.Tensor; bias: tf.Tensor },
  activation?: string,
): ParameterizedLayer {
  const kind = affineKind(layer);
  if (!kind) throw new InvalidArgumentError('layer', layer.getClassName(), 'a Dense or Conv2D layer (stock or geoparam)');
  const config = layer.getConfig();
  const args = Object.fromEntries(SHARED_KEYS.filter((k) => config[k] !== undefined && config[k] !== null).map((k) => [k, config[k]]));
  if (activation !== undefined) args['activation'] = activation;
  const next = parameterizedLayerFor(target, kind, args);
  if (!next) throw new InvalidArgumentError('parameterization', target, `one with a tfjs-layers class (${Object.keys(constructors).join(', ')})`);
  return plain ? next.startFrom(plain.kernel, plain.bias) : next;
}

/** The tfjs-layers layer of `target`'s class for this kind of affine map, or null when `target` has no class. */
export function parameterizedLayerFor(target: ParameterizationName, kind: Kind, args: Record<string, unknown>): ParameterizedLayer | null {
  const classes = constructors[target];
  return classes ? classes[kind](args as never) : null;
}
