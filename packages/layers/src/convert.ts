import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConversionError, InvalidArgumentError, tidy } from '@geoparam/core';
import { BatchNormMath, denseGeometry, methodFacts } from '@geoparam/parameterizations';
import { affineKind, withParameterization } from './factories';
import { InputMeanNormalization, MeanOnlyBatchNormalization } from './normalization';
import { ParameterizedLayer } from './parameterized-layer';
import { plainUnits } from './plain';

type Layer = tfl.layers.Layer;

/** What `reparameterizeLayersModel` converts ReLU units to. */
export type LayersTarget = 'geometric' | 'weightNorm' | 'standard';

function activationOf(layer: Layer): string {
  return String(layer.getConfig()['activation'] ?? 'linear');
}

/** A separate layer computing exactly ReLU (`tf.layers.reLU()` or `tf.layers.activation({activation: 'relu'})`). */
export function isReluLayer(layer: Layer | undefined): boolean {
  if (!layer) return false;
  const config = layer.getConfig();
  if (layer.getClassName() === 'ReLU') return config['maxValue'] == null;
  return layer.getClassName() === 'Activation' && config['activation'] === 'relu';
}

/** The model's layers without its InputLayer, checked to form one chain (tf.sequential, or a linear tf.model). */
export function chainOf(model: tfl.LayersModel): Layer[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  layers.forEach((layer, i) => {
    const inbound = (layer.inboundNodes[0]?.inboundLayers ?? []).filter((l) => l.getClassName() !== 'InputLayer');
    const expected = i === 0 ? [] : [layers[i - 1]];
    if (inbound.length !== expected.length || inbound.some((l, k) => l !== expected[k])) {
      throw new ConversionError(`layer ${layer.name}: only chains of layers (tf.sequential or a linear tf.model) can be converted; it takes [${inbound.map((l) => l.name).join(', ')}]`);
    }
  });
  return layers;
}

/** A ReLU unit: a Dense/Conv2D (stock or geoparam) with activation relu, or followed by ReLU, or by BatchNormalization then ReLU. */
export interface ReluUnit {
  affine: Layer;
  batchNorm: Layer | null;
  /** How many layers after `affine` belong to the unit (a BatchNormalization, a separate ReLU). */
  consumed: number;
}

/** The ReLU unit that starts at `layers[index]`, or null. */
export function reluUnitAt(layers: readonly Layer[], index: number): ReluUnit | null {
  const affine = layers[index]!;
  if (!affineKind(affine)) return null;
  const activation = activationOf(affine);
  if (activation === 'relu') return { affine, batchNorm: null, consumed: 0 };
  if (activation !== 'linear') return null;
  if (isReluLayer(layers[index + 1])) return { affine, batchNorm: null, consumed: 1 };
  if (layers[index + 1]?.getClassName() === 'BatchNormalization' && isReluLayer(layers[index + 2])) return { affine, batchNorm: layers[index + 1]!, consumed: 2 };
  return null;
}

/** A stock `BatchNormalization`'s weights by role (gamma 1 / beta 0 where it has none). Caller disposes. */
export function batchNormWeights(layer: Layer, channels: number): Record<string, tf.Tensor> {
  const config = layer.getConfig();
  const values = layer.getWeights();
  let at = 0;
  return {
    gamma: config['scale'] === false ? tf.ones([channels]) : tf.clone(values[at++]!),
    beta: config['center'] === false ? tf.zeros([channels]) : tf.clone(values[at++]!),
    movingMean: tf.clone(values[at++]!),
    movingVariance: tf.clone(values[at++]!),
  };
}

/** A unit layer's plain affine map at inference (see `unitAffine`). */
export interface UnitAffine {
  /** `[n, units]`. */
  kernel: tf.Tensor2D;
  bias: tf.Tensor1D;
  /** A per-unit factor after the ReLU (GmP's radius), or null. */
  scale: tf.Tensor1D | null;
  kernelShape: number[];
}

/**
 * The plain affine map of a unit at inference: its layer's, through the BatchNormalization after
 * it where there is one (`BatchNormMath.forward`, the formula geoparam's BN uses), with the
 * per-unit scale folded in where the activation is linear. Caller disposes.
 */
export function unitAffine(layer: Layer, batchNorm: Layer | null): UnitAffine {
  const plain = plainUnits(layer);
  const linear = activationOf(layer) === 'linear';
  const units = plain.bias.shape[0]!;
  const epsilon = batchNorm ? Number(batchNorm.getConfig()['epsilon'] ?? 1e-3) : 0;
  const result = tidy(() => {
    let kernel = tf.clone(plain.kernel);
    let bias = tf.clone(plain.bias);
    let scale = plain.scale ? tf.clone(plain.scale) : null;
    if (scale && linear) {
      kernel = tf.mul(kernel, scale) as tf.Tensor2D;
      bias = tf.mul(bias, scale) as tf.Tensor1D;
      scale = null;
    }
    if (batchNorm) {
      const math = new BatchNormMath(denseGeometry(kernel.shape[0]!, units), { epsilon });
      ({ kernel, bias } = math.forward({ kernel, bias, ...batchNormWeights(batchNorm, units) }));
    }
    return { kernel, bias, scale };
  });
  tf.dispose([plain.kernel, plain.bias, ...(plain.scale ? [plain.scale] : [])]);
  return { ...result, kernelShape: plain.kernelShape };
}

interface Part {
  layer: Layer;
  /** Weights to set once the model is built (null: the layer starts from its own initializer). */
  weights: tf.Tensor[] | null;
}

/** Layers a per-channel sign passes unchanged (linear and per-channel, or elementwise odd). */
const SIGN_TRANSPARENT = new Set(['Dropout', 'Flatten', 'GlobalAveragePooling2D', 'AveragePooling2D', 'GaussianNoise', 'Reshape']);

function stockAffine(layer: Layer, activation: string): Layer {
  const config = layer.getConfig();
  const common = { activation: activation as never, useBias: true, trainable: config['trainable'] !== false };
  return affineKind(layer) === 'dense'
    ? tfl.layers.dense({ units: config['units'] as number, ...common })
    : tfl.layers.conv2d({
        filters: config['filters'] as number,
        kernelSize: config['kernelSize'] as number[],
        strides: config['strides'] as number[],
        padding: config['padding'] as 'same' | 'valid',
        ...common,
      });
}

/** The same layer again from its config (a fresh name); its weights carry over. */
function copyOf(layer: Layer, weights: tf.Tensor[] = layer.getWeights().map((w) => tf.clone(w))): Part {
  const { name: _name, ...config } = layer.getConfig();
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  if (!entry) throw new ConversionError(`layer ${layer.name}: class ${layer.getClassName()} is not registered with tf.serialization`);
  return { layer: entry[1](entry[0], config) as unknown as Layer, weights };
}

/** IMN and MBN as frozen stock BatchNormalization (variance 1, epsilon 0: exact). */
function frozenBatchNorm(layer: Layer, weights: tf.Tensor[]): Part {
  const center = layer instanceof MeanOnlyBatchNormalization && layer.center;
  const mean = weights[weights.length - 1]!;
  const batchNorm = tfl.layers.batchNormalization({ center, scale: false, epsilon: 0, momentum: Number(layer.getConfig()['momentum']), trainable: false });
  return { layer: batchNorm, weights: [...(center ? [weights[0]!] : []), mean, tf.onesLike(mean)] };
}

interface RebuildOptions {
  /** What ReLU units become. */
  units: LayersTarget;
  /** Every layer becomes a stock tfjs layer. */
  bake: boolean;
}

type Plain = { kernel: tf.Tensor; bias: tf.Tensor };

/** How a unit of each target is built from plain weights; a map, so no code compares names. */
const unitBuilders: Record<LayersTarget, (layer: Layer, activation: string, plain: Plain) => Part> = {
  standard: (layer, activation, plain) => ({ layer: stockAffine(layer, activation), weights: [plain.kernel, plain.bias] }),
  geometric: (layer, activation, plain) => ({ layer: withParameterization('geometric', layer, plain, activation), weights: null }),
  weightNorm: (layer, activation, plain) => ({ layer: withParameterization('weightNorm', layer, plain, activation), weights: null }),
};

async function rebuild(model: tfl.LayersModel, options: RebuildOptions): Promise<tfl.LayersModel> {
  const layers = chainOf(model);
  const parts: Part[] = [];
  /** Sign flips of the last unit's channels, on their way to the next affine layer. */
  let flips: { signs: number[]; from: string } | null = null;
  try {
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      const unit = reluUnitAt(layers, i);
      if (!affineKind(layer)) {
        const weights = layer.getWeights().map((w) => tf.clone(w));
        if (flips && layer instanceof InputMeanNormalization) {
          const signs = tf.tensor1d(flips.signs);
          const mean = weights.pop()!;
          weights.push(tf.mul(mean, signs));
          tf.dispose([mean, signs]);
        } else if (flips && !SIGN_TRANSPARENT.has(layer.getClassName())) {
          tf.dispose(weights);
          throw new ConversionError(`unit layer ${flips.from}: the sign of its negative GmP radii cannot pass ${layer.getClassName()} layer ${layer.name} into the next Dense/Conv2D`);
        }
        const bakes = options.bake && (layer instanceof InputMeanNormalization || layer instanceof MeanOnlyBatchNormalization);
        parts.push(bakes ? frozenBatchNorm(layer, weights) : copyOf(layer, weights));
        continue;
      }
      const { kernel, bias, scale, kernelShape } = unitAffine(layer, unit?.batchNorm ?? null);
      const incoming = flips;
      let signs: number[] | null = null;
      try {
        if (scale) signs = Array.from(await scale.data(), (r) => (r < 0 ? -1 : 1));
      } catch (error) {
        tf.dispose([kernel, bias, ...(scale ? [scale] : [])]);
        throw error;
      }
      const plain = tf.tidy(() => {
        let k: tf.Tensor2D = kernel;
        if (incoming) {
          const rows = k.shape[0]!;
          const rowSigns = Array.from({ length: rows }, (_, r) => incoming.signs[r % incoming.signs.length]!);
          k = tf.mul(k, tf.reshape(tf.tensor1d(rowSigns), [rows, 1])) as tf.Tensor2D;
        }
        const magnitude = scale ? tf.abs(scale) : null;
        return { kernel: tf.reshape(magnitude ? tf.mul(k, magnitude) : k, kernelShape), bias: magnitude ? tf.mul(bias, magnitude) : tf.clone(bias) };
      });
      tf.dispose([kernel, bias, ...(scale ? [scale] : [])]);
      flips = signs && signs.some((s) => s < 0) ? { signs, from: layer.name } : null;
      const activation = unit ? 'relu' : activationOf(layer);
      if (unit || options.bake) parts.push(unitBuilders[unit ? options.units : 'standard'](layer, activation, plain));
      else if (layer instanceof ParameterizedLayer) parts.push({ layer: withParameterization(layer.parameterization, layer, plain), weights: null });
      else parts.push(copyOf(layer, [plain.kernel, plain.bias]));
      i += unit?.consumed ?? 0;
    }
    if (flips) {
      const negative = flips.signs.flatMap((s, j) => (s < 0 ? [j] : []));
      throw new ConversionError(`unit layer ${flips.from}: units [${negative.join(', ')}] have a negative GmP radius under ReLU and no Dense/Conv2D follows to take the sign`);
    }
    return assemble(model, parts);
  } catch (error) {
    for (const part of parts) tf.dispose(part.weights ?? []);
    throw error;
  }
}

function assemble(model: tfl.LayersModel, parts: Part[]): tfl.LayersModel {
  // The first layer takes the model's input shape, as `inputShape` in a layer config would give it.
  (parts[0]!.layer as unknown as { batchInputShape: (number | null)[] }).batchInputShape = model.inputs[0]!.shape;
  const next = tfl.sequential({ layers: parts.map((p) => p.layer) });
  for (const part of parts) {
    if (!part.weights) continue;
    part.layer.setWeights(part.weights);
    tf.dispose(part.weights);
    part.weights = null;
  }
  return next;
}

/**
 * A new model whose ReLU units (Dense/Conv2D with activation relu, or followed by ReLU, or by
 * BatchNormalization then ReLU, which folds in at inference) use the `target` parameterization,
 * computing the same function at inference. Negative GmP radii move into the next Dense/Conv2D
 * (through IMN, Dropout, Flatten and average pooling); where they cannot, a `ConversionError`
 * names the unit. Other layers are copied with their weights. Asynchronous: the radii are read with
 * `await data()`, so it runs on every backend (webgpu in Node included).
 */
export async function reparameterizeLayersModel(model: tfl.LayersModel, target: LayersTarget | string): Promise<tfl.LayersModel> {
  const name = methodFacts(target).name;
  if (!(name in unitBuilders)) throw new InvalidArgumentError('target', target, `one of ${Object.keys(unitBuilders).join(', ')}`);
  return rebuild(model, { units: name as LayersTarget, bake: false });
}

/**
 * A model of stock tfjs layers only, computing the same function at inference: every Dense/Conv2D
 * plain (GmP radii folded, negative ones into the next layer), IMN and MBN as frozen
 * BatchNormalization layers (variance 1, epsilon 0, so exact). It loads with plain
 * `tf.loadLayersModel`, without geoparam. Asynchronous, as `reparameterizeLayersModel`.
 */
export async function bakeLayersModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  return rebuild(model, { units: 'standard', bake: true });
}
