import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError } from '@geoparam/core';
import {
  applyScale,
  conv2dGeometry,
  createParameterizationMath,
  denseGeometry,
  type LayerGeometry,
  type LinearMap,
  type ParameterizationMath,
  type ParameterizationName,
  type Weights,
} from '@geoparam/parameterizations';
import { Precomputed, resolveInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers';

type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];
type LayerVariable = tfl.LayerVariable;
type Shape = (number | null)[];

/** Activations under which `r act(z) = sign(r) act(|r| z)`, so GmP may fold |r| (see `ApplyContext`). */
const POSITIVELY_HOMOGENEOUS = new Set(['relu', 'linear']);

export interface ParameterizedLayerArgs extends NonNullable<LayerArgs> {
  /** Any tfjs-layers activation name (default `'linear'`, as `tf.layers.dense`). */
  activation?: string;
  useBias?: boolean;
  /**
   * Initializer of the plain kernel (`[n, units]`, or `[kh, kw, cin, cout]`) that the layer
   * converts to its parameterization: `'glorotUniform'` (default; for GmP the reference code's
   * Glorot -> angles init), `'uniformSphere'` (the paper text's uniform directions with r = 1), or
   * any tfjs initializer by name or config.
   */
  kernelInitializer?: InitializerIdentifier;
  /** Initializer of the plain bias (default `'zeros'`); GmP stores it as `lambda = b/|w|`. */
  biasInitializer?: InitializerIdentifier;
  /** Seeds a named kernel or bias initializer. */
  seed?: number;
  /** The input's last dimension, as `tf.layers.dense` takes it. */
  inputDim?: number;
}

function activationLayer(activation: string): tfl.layers.Layer | null {
  if (activation === 'linear' || activation === 'relu') return null;
  try {
    return tfl.layers.activation({ activation: activation as never });
  } catch {
    throw new InvalidArgumentError('activation', activation, 'a tfjs-layers activation name (relu, linear, sigmoid, tanh, ...)');
  }
}

/**
 * A tfjs-layers layer whose kernel and bias come from a geoparam parameterization. Its weights
 * are the parameterization's raw weights, created by `addWeight` and trained by any tfjs
 * optimizer; the math is `@geoparam/parameterizations`' (`ParameterizationMath`), so the layer
 * computes exactly what geoparam's own layer of that parameterization computes.
 */
export abstract class ParameterizedLayer extends tfl.layers.Layer {
  /** The parameterization every instance of the class uses. */
  abstract readonly parameterization: ParameterizationName;
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly seed: number | undefined;
  private readonly activate: tfl.layers.Layer | null;
  private parameterizationMath: ParameterizationMath | null = null;
  private named: Record<string, LayerVariable> = {};
  /** Weights to start from instead of drawing them (the wrapper form on a built layer). */
  private initialPlain: { kernel: tf.Tensor; bias: tf.Tensor } | null = null;

  protected constructor(units: number, args: ParameterizedLayerArgs, unitsName: string) {
    if (args.batchInputShape == null && args.inputShape == null && args.inputDim != null) {
      args = { ...args, batchInputShape: [args.batchSize ?? null, args.inputDim] };
    }
    super(args);
    if (!Number.isInteger(units) || units <= 0) throw new InvalidArgumentError(unitsName, units, 'a positive integer');
    this.units = units;
    this.activation = args.activation ?? 'linear';
    this.activate = activationLayer(this.activation);
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
    this.kernelInitializer = resolveInitializer('kernel initializer', args.kernelInitializer ?? 'glorotUniform', args.seed);
    this.biasInitializer = resolveInitializer('bias initializer', args.biasInitializer ?? 'zeros', args.seed === undefined ? undefined : args.seed + 1);
  }

  /** The geometry of the affine map for an input of this shape. */
  protected abstract geometryFor(inputShape: Shape): LayerGeometry;
  protected abstract readonly linear: LinearMap;

  /** The math of this layer's parameterization; available once built. */
  get math(): ParameterizationMath {
    if (!this.parameterizationMath) throw new InvalidArgumentError('layer', this.name, 'built (call it on an input or build the model first)');
    return this.parameterizationMath;
  }

  /** Starts the weights (when built) from this plain kernel and bias instead of drawing them; the layer takes them over. */
  startFrom(kernel: tf.Tensor, bias: tf.Tensor): this {
    this.initialPlain = { kernel, bias };
    return this;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const geometry = this.geometryFor(shape);
    const math = createParameterizationMath(this.parameterization, geometry);
    if (!this.useBias && !math.weightSpecs.some((spec) => spec.name === 'bias')) {
      const names = math.weightSpecs.map((spec) => spec.name).join(', ');
      throw new InvalidArgumentError('useBias', false, `true for a ${this.getClassName()} layer: its units' offsets are part of its ${names} weights`);
    }
    // The weights this layer stores: the math's, but `bias` under `useBias: false` (`mathWeights` reads zeros for it).
    const stored = math.weightSpecs.filter((spec) => this.useBias || spec.name !== 'bias');
    const initial = tf.tidy(() => {
      const { units, fanIn } = geometry;
      const kernel = this.initialPlain ? this.initialPlain.kernel : this.kernelInitializer.apply([...geometry.kernelShape], 'float32');
      const bias = this.initialPlain && this.useBias ? this.initialPlain.bias : this.useBias ? this.biasInitializer.apply([units], 'float32') : tf.zeros([units]);
      return math.initialWeights(tf.reshape(kernel, [fanIn, units]), bias as tf.Tensor1D);
    });
    if (this.initialPlain) tf.dispose([this.initialPlain.kernel, this.initialPlain.bias]);
    this.initialPlain = null;
    try {
      for (const spec of stored) {
        this.named[spec.name] = this.addWeight(spec.name, [...spec.shape], 'float32', new Precomputed(initial[spec.name]!) as never, undefined, spec.trainable);
      }
    } finally {
      tf.dispose(Object.values(initial));
    }
    this.parameterizationMath = math;
    this.built = true;
  }

  /** The weights by their parameterization names (`geometry`, `v`, `g`, `bias`, ...), as the math reads them: a zero bias when `useBias` is false. */
  mathWeights(): Weights {
    const weights: Record<string, tf.Tensor> = Object.fromEntries(Object.entries(this.named).map(([key, variable]) => [key, variable.read()]));
    if (!this.useBias) weights['bias'] = tf.zeros([this.units]);
    return weights;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const training = kwargs['training'] === true;
      const pre = this.math.apply(this.mathWeights(), x, {
        training,
        linear: this.linear,
        foldPositiveScale: POSITIVELY_HOMOGENEOUS.has(this.activation),
      });
      for (const [key, value] of Object.entries(pre.updates ?? {})) this.named[key]!.write(value as tf.Tensor);
      const activated =
        this.activation === 'relu' ? tf.relu(pre.value) : this.activate ? (this.activate.apply(pre.value) as tf.Tensor) : pre.value;
      return applyScale(activated, pre);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      ...(this.seed === undefined ? {} : { seed: this.seed }),
      ...super.getConfig(),
    };
  }
}

function lastDimension(what: string, shape: Shape, rank: number | null): number {
  const last = shape[shape.length - 1];
  if ((rank !== null && shape.length !== rank) || typeof last !== 'number') {
    throw new ShapeMismatchError(`${what} input`, rank === 4 ? [null, null, null, null] : [null, null], shape.map((d) => d ?? -1));
  }
  return last;
}

export interface ParameterizedDenseArgs extends ParameterizedLayerArgs {
  units: number;
}

/** `tf.layers.dense`'s affine map, with the kernel from a parameterization. */
export abstract class ParameterizedDense extends ParameterizedLayer {
  constructor(args: ParameterizedDenseArgs) {
    super(args.units, args, 'units');
  }

  protected geometryFor(inputShape: Shape): LayerGeometry {
    return denseGeometry(lastDimension(this.getClassName(), inputShape, null), this.units);
  }

  protected readonly linear: LinearMap = (x, kernel) => {
    if (x.rank === 2) return tf.matMul(x as tf.Tensor2D, kernel);
    const n = x.shape[x.rank - 1]!;
    return tf.reshape(tf.matMul(tf.reshape(x, [-1, n]) as tf.Tensor2D, kernel), [...x.shape.slice(0, -1), this.units]);
  };

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { units: this.units, ...super.getConfig() };
  }
}

export type Padding = 'same' | 'valid';

export interface ParameterizedConv2DArgs extends ParameterizedLayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: Padding;
  /** Only `'channelsLast'`, the tfjs default. */
  dataFormat?: 'channelsLast';
  /** Only 1. */
  dilationRate?: number | number[];
}

function pair(what: string, value: number | number[]): [number, number] {
  const p = typeof value === 'number' ? [value, value] : value;
  if (p.length !== 2 || !p.every((v) => Number.isInteger(v) && v > 0)) throw new InvalidArgumentError(what, value, 'a positive integer or a pair of them');
  return [p[0]!, p[1]!];
}

/** `tf.layers.conv2d`'s map (channels last), with the kernel from a parameterization. */
export abstract class ParameterizedConv2D extends ParameterizedLayer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(args: ParameterizedConv2DArgs) {
    super(args.filters, args, 'filters');
    this.kernelSize = pair('kernelSize', args.kernelSize);
    this.strides = pair('strides', args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'same' && this.padding !== 'valid') throw new InvalidArgumentError('padding', this.padding, '"same" or "valid"');
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') throw new InvalidArgumentError('dataFormat', args.dataFormat, '"channelsLast"');
    const dilation = pair('dilationRate', args.dilationRate ?? 1);
    if (dilation[0] !== 1 || dilation[1] !== 1) throw new InvalidArgumentError('dilationRate', args.dilationRate, '1');
  }

  get filters(): number {
    return this.units;
  }

  protected geometryFor(inputShape: Shape): LayerGeometry {
    return conv2dGeometry(this.kernelSize, lastDimension(this.getClassName(), inputShape, 4), this.units);
  }

  protected readonly linear: LinearMap = (x, kernel) =>
    tf.conv2d(x as tf.Tensor4D, tf.reshape(kernel, [...this.kernelSize, x.shape[3]!, this.units]) as tf.Tensor4D, this.strides, this.padding);

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const out = (size: number | null, k: number, s: number): number | null =>
      size === null ? null : this.padding === 'same' ? Math.ceil(size / s) : Math.ceil((size - k + 1) / s);
    return [shape[0] ?? null, out(shape[1] ?? null, this.kernelSize[0], this.strides[0]), out(shape[2] ?? null, this.kernelSize[1], this.strides[1]), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { filters: this.units, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding, ...super.getConfig() };
  }
}

export class GeometricDense extends ParameterizedDense {
  static className = 'GeometricDense';
  readonly parameterization = 'geometric';
}

export class GeometricConv2D extends ParameterizedConv2D {
  static className = 'GeometricConv2D';
  readonly parameterization = 'geometric';
}

export class WeightNormDense extends ParameterizedDense {
  static className = 'WeightNormDense';
  readonly parameterization = 'weightNorm';
}

export class WeightNormConv2D extends ParameterizedConv2D {
  static className = 'WeightNormConv2D';
  readonly parameterization = 'weightNorm';
}
