import * as tf from '@tensorflow/tfjs-core';
import { ConversionError, InvalidArgumentError, ShapeMismatchError, assertShape, tidy } from '@geoparam/core';
import { assertFinitePlain } from './base';
import { conv2dGeometry, denseGeometry } from './geometry';
import { createParameterization, resolveParameterizationName, type ParameterizationOptions } from './registry';
import { applyScale } from './scale';
import type { LayerGeometry, LinearMap, Parameterization, ParameterizationName } from './types';

export type Activation = 'relu' | 'linear';

/** Parameterization settings that shape behaviour (not the seed, which only drew the initial weights). */
function settingsOf(options: ParameterizationOptions): ParameterizationOptions {
  const settings: ParameterizationOptions = {};
  if (options.momentum !== undefined) settings.momentum = options.momentum;
  if (options.epsilon !== undefined) settings.epsilon = options.epsilon;
  if (options.init !== undefined) settings.init = options.init;
  return settings;
}

export type LayerConfig =
  | { type: 'dense'; inputDim: number; units: number; activation: Activation; parameterization: ParameterizationName; options: ParameterizationOptions }
  | {
      type: 'conv2d';
      inputChannels: number;
      filters: number;
      kernelSize: [number, number];
      strides: [number, number];
      padding: Padding;
      activation: Activation;
      parameterization: ParameterizationName;
      options: ParameterizationOptions;
    };

export interface ApplyOptions {
  training?: boolean;
  /** Training only: the running-statistics momentum of this call (see `recalibrateStatistics`). */
  statisticsMomentum?: number;
}

export interface PlainWeights {
  /** `[n, units]` for dense, `[kh, kw, cin, cout]` for conv2d: what tfjs/TF layers store. */
  kernel: tf.Tensor;
  bias: tf.Tensor1D;
}

interface LayerBaseOptions extends ParameterizationOptions {
  activation?: Activation;
  /** Defaults to `standard` (SP). */
  parameterization?: ParameterizationName | string;
}

function checkActivation(activation: string): Activation {
  if (activation !== 'relu' && activation !== 'linear') {
    throw new InvalidArgumentError('activation', activation, '"relu" or "linear"');
  }
  return activation;
}

/**
 * A dense or conv2d layer whose kernel and bias come from a swappable parameterization. It
 * computes `scale * act(pre)` from whatever `Parameterization.apply` returns and knows nothing
 * about the concrete kind.
 */
export abstract class ParameterizedLayer {
  readonly activation: Activation;
  private current: Parameterization;
  private currentOptions: ParameterizationOptions;

  protected constructor(
    readonly geometry: LayerGeometry,
    options: LayerBaseOptions,
  ) {
    this.activation = checkActivation(options.activation ?? 'relu');
    this.current = createParameterization(options.parameterization ?? 'standard', geometry, options);
    this.currentOptions = settingsOf(options);
  }

  /** `act(c z) = c act(z)` for c > 0, so a parameterization may fold a positive scale into `z`. */
  private get positivelyHomogeneous(): boolean {
    return this.activation === 'relu' || this.activation === 'linear';
  }

  /** Enough to rebuild the layer (weights aside): what a saved model stores. */
  abstract getConfig(): LayerConfig;

  protected baseConfig(): { activation: Activation; parameterization: ParameterizationName; options: ParameterizationOptions } {
    return { activation: this.activation, parameterization: this.current.name, options: { ...this.currentOptions } };
  }

  get parameterization(): Parameterization {
    return this.current;
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.current.trainableVariables;
  }

  protected abstract readonly linear: LinearMap;
  protected abstract checkInput(x: tf.Tensor): void;

  apply(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor {
    this.checkInput(x);
    return tidy(() => {
      const pre = this.current.apply(x, {
        training: options.training ?? false,
        linear: this.linear,
        foldPositiveScale: this.positivelyHomogeneous,
        ...(options.statisticsMomentum !== undefined ? { statisticsMomentum: options.statisticsMomentum } : {}),
      });
      return applyScale(this.activation === 'relu' ? tf.relu(pre.value) : pre.value, pre);
    });
  }

  /**
   * The current function as a plain kernel and bias (`removeParameterizations` in PyTorch terms).
   * GmP's radius is folded in, which is exact for a linear unit and for a ReLU unit with r >= 0;
   * a ReLU unit with r < 0 has no plain equivalent and is reported. Asynchronous: the radii are
   * read with `await data()` (webgpu in Node cannot read synchronously).
   */
  async bake(): Promise<PlainWeights> {
    const { kernel, bias, scale } = this.current.forward();
    try {
      if (scale && this.activation === 'relu') {
        const values = await scale.data();
        const negative = [...values.keys()].filter((i) => values[i]! < 0);
        if (negative.length > 0) {
          throw new ConversionError(
            `units [${negative.join(', ')}] have a negative GmP radius under ReLU; r * relu(z) has no plain ReLU equivalent (fold the sign into the next layer instead)`,
          );
        }
      }
      return tidy(() => ({
        kernel: tf.reshape(scale ? tf.mul(kernel, scale) : kernel, [...this.geometry.kernelShape]),
        bias: (scale ? tf.mul(bias, scale) : tf.clone(bias)) as tf.Tensor1D,
      }));
    } finally {
      tf.dispose([kernel, bias, ...(scale ? [scale] : [])]);
    }
  }

  /**
   * Sets this layer to compute `weights` (plain kernel and bias) under its current parameterization.
   * Shapes are checked before anything is read; NaN/Infinity is rejected after an asynchronous read.
   * The caller keeps `weights`.
   */
  async load(weights: PlainWeights): Promise<void> {
    assertShape('kernel', weights.kernel, [...this.geometry.kernelShape]);
    assertShape('bias', weights.bias, [this.geometry.units]);
    await assertFinitePlain(weights.kernel, weights.bias);
    this.setPlain(this.current, weights);
  }

  /** `parameterization.rightInverse` of plain weights in the layer's kernel shape. */
  private setPlain(parameterization: Parameterization, weights: PlainWeights): void {
    const kernel2d = tf.reshape(weights.kernel, [this.geometry.fanIn, this.geometry.units]) as tf.Tensor2D;
    try {
      parameterization.rightInverse(kernel2d, weights.bias);
    } finally {
      kernel2d.dispose();
    }
  }

  /**
   * Swaps the parameterization while keeping the function the layer computes at inference
   * (bake, then the new kind's right inverse). Asynchronous, as `bake`; a layer whose weights are
   * not finite (a diverged run) is reported and left unchanged.
   */
  async reparameterize(name: ParameterizationName | string, options: ParameterizationOptions = {}): Promise<this> {
    const resolved = resolveParameterizationName(name);
    const plain = await this.bake();
    try {
      await assertFinitePlain(plain.kernel, plain.bias);
      const next = createParameterization(resolved, this.geometry, options);
      try {
        this.setPlain(next, plain);
      } catch (error) {
        next.dispose();
        throw error;
      }
      this.current.dispose();
      this.current = next;
      this.currentOptions = settingsOf(options);
    } finally {
      tf.dispose([plain.kernel, plain.bias]);
    }
    return this;
  }

  /** All variables (trainable and running statistics) by name, for checkpoints. */
  getWeights(): Record<string, tf.Tensor> {
    return Object.fromEntries(Object.entries(this.current.variables).map(([k, v]) => [k, tf.clone(v)]));
  }

  setWeights(weights: Record<string, tf.Tensor>): void {
    for (const [key, variable] of Object.entries(this.current.variables)) {
      const value = weights[key];
      if (!value) throw new InvalidArgumentError('weights', Object.keys(weights), `to contain "${key}"`);
      assertShape(`weights.${key}`, value, variable.shape);
      variable.assign(value);
    }
  }

  dispose(): void {
    this.current.dispose();
  }
}

export interface DenseOptions extends LayerBaseOptions {
  inputDim: number;
  units: number;
}

export class Dense extends ParameterizedLayer {
  constructor(options: DenseOptions) {
    super(denseGeometry(options.inputDim, options.units), options);
  }

  protected readonly linear: LinearMap = (x, kernel) => tf.matMul(x as tf.Tensor2D, kernel);

  getConfig(): LayerConfig {
    return { type: 'dense', inputDim: this.geometry.fanIn, units: this.geometry.units, ...this.baseConfig() };
  }

  protected checkInput(x: tf.Tensor): void {
    assertShape('dense input', x, [null, this.geometry.fanIn]);
  }
}

export type Padding = 'same' | 'valid';

export interface Conv2DOptions extends LayerBaseOptions {
  inputChannels: number;
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
}

export class Conv2D extends ParameterizedLayer {
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(options: Conv2DOptions) {
    const size: [number, number] = typeof options.kernelSize === 'number' ? [options.kernelSize, options.kernelSize] : options.kernelSize;
    // Validate before the parameterization allocates variables.
    const geometry = conv2dGeometry(size, options.inputChannels, options.filters);
    const strides = options.strides ?? 1;
    const pair: [number, number] = typeof strides === 'number' ? [strides, strides] : strides;
    if (pair.length !== 2 || !pair.every((s) => Number.isInteger(s) && s > 0)) {
      throw new InvalidArgumentError('strides', options.strides, 'a positive integer or a pair of them');
    }
    const padding = options.padding ?? 'same';
    if (padding !== 'same' && padding !== 'valid') throw new InvalidArgumentError('padding', padding, '"same" or "valid"');
    super(geometry, options);
    this.strides = pair;
    this.padding = padding;
  }

  protected readonly linear: LinearMap = (x, kernel) =>
    tf.conv2d(x as tf.Tensor4D, tf.reshape(kernel, this.geometry.kernelShape as [number, number, number, number]) as tf.Tensor4D, this.strides, this.padding);

  getConfig(): LayerConfig {
    const [kh, kw, inputChannels] = this.geometry.kernelShape as [number, number, number, number];
    return {
      type: 'conv2d',
      inputChannels,
      filters: this.geometry.units,
      kernelSize: [kh, kw],
      strides: [...this.strides],
      padding: this.padding,
      ...this.baseConfig(),
    };
  }

  protected checkInput(x: tf.Tensor): void {
    const channels = this.geometry.kernelShape[2]!;
    if (x.rank !== 4 || x.shape[3] !== channels) throw new ShapeMismatchError('conv2d input', [null, null, null, channels], x.shape);
  }
}

export function dense(options: DenseOptions): Dense {
  return new Dense(options);
}

export function conv2d(options: Conv2DOptions): Conv2D {
  return new Conv2D(options);
}
