import type * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, LayerConfig } from '@geoparam/parameterizations';

/** The JSON a model stores for each layer (`Layer.getConfig`), from which `layerFromConfig` rebuilds it. */
export type ModelLayerConfig =
  | LayerConfig
  | { type: 'imn'; channels: number; momentum: number }
  | { type: 'maxPool'; poolSize: number; strides: number; padding: 'same' | 'valid' }
  | { type: 'globalAveragePool' }
  | ResidualConfig;

/** A residual block's config: two 3×3 convolutions with a projection shortcut when the shape changes. */
export interface ResidualConfig {
  type: 'residual';
  inputChannels: number;
  filters: number;
  strides: number;
  parameterization: string;
  /** IMN after each ReLU of the block (the paper's GmP+IMN layout). */
  imn: boolean;
}

/**
 * What a model stacks. Parameterized layers (dense, conv), IMN, pooling and residual blocks all
 * implement it; a model never asks which one it holds.
 */
export interface Layer {
  /** The layer's output for a batch; `training` updates running statistics. */
  apply(x: tf.Tensor, options?: ApplyOptions): tf.Tensor;
  readonly trainableVariables: readonly tf.Variable[];
  /** Every variable (trainable and running statistics) by name; caller disposes. */
  getWeights(): Record<string, tf.Tensor>;
  /** Assigns every variable from `weights` (as `getWeights` names them); a missing or misshapen one is a typed error. */
  setWeights(weights: Record<string, tf.Tensor>): void;
  /** Everything needed to rebuild the layer, as JSON. */
  getConfig(): ModelLayerConfig;
  /** Frees the layer's variables. */
  dispose(): void;
}

/** A layer made of other layers (a residual block): models look inside for CAB analysis. */
export interface CompositeLayer extends Layer {
  readonly sublayers: readonly Layer[];
}

/** Whether a layer holds other layers (`sublayers`). */
export function isComposite(layer: Layer): layer is CompositeLayer {
  return Array.isArray((layer as Partial<CompositeLayer>).sublayers);
}
