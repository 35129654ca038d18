import * as tf from '@tensorflow/tfjs-core';
import { assertFinite, assertShape , tidy } from '@geoparam/core';
import { glorotLimit } from './geometry';
import type {
  ApplyContext,
  Boundary,
  EffectiveAffine,
  LayerGeometry,
  Parameterization,
  ParameterizationName,
  PreActivation,
} from './types';

export interface InitOptions {
  /** Seeds the initial draw; the same seed gives the same weights on every backend. */
  seed?: number;
}

/** Bookkeeping shared by the concrete parameterizations: named variables, validation, disposal. */
export abstract class BaseParameterization implements Parameterization {
  private readonly named: Record<string, tf.Variable> = {};
  private readonly trainableKeys: string[] = [];

  protected constructor(
    readonly name: ParameterizationName,
    readonly geometry: LayerGeometry,
  ) {}

  get variables(): Readonly<Record<string, tf.Variable>> {
    return this.named;
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.trainableKeys.map((key) => this.named[key]!);
  }

  protected addVariable(key: string, initial: tf.Tensor, trainable = true): tf.Variable {
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    this.named[key] = variable;
    if (trainable) this.trainableKeys.push(key);
    return variable;
  }

  protected variable(key: string): tf.Variable {
    return this.named[key]!;
  }

  /** Assigns and disposes `value` (the variable keeps its own copy). */
  protected set(key: string, value: tf.Tensor): void {
    const variable = this.named[key]!;
    const reshaped = tf.reshape(value, variable.shape);
    variable.assign(reshaped);
    tf.dispose([reshaped, value]);
  }

  /** A seeded Glorot-uniform kernel `[n, units]`, the reference code's initializer. */
  protected glorotKernel(options: InitOptions): tf.Tensor2D {
    const limit = glorotLimit(this.geometry);
    return tf.randomUniform([this.geometry.fanIn, this.geometry.units], -limit, limit, 'float32', options.seed);
  }

  protected validatePlain(kernel: tf.Tensor2D, bias: tf.Tensor1D): void {
    assertShape('kernel', kernel, [this.geometry.fanIn, this.geometry.units]);
    assertShape('bias', bias, [this.geometry.units]);
    assertFinite('kernel', kernel);
    assertFinite('bias', bias);
  }

  /** `x . kernel + bias` with the layer's linear map. */
  protected affine(x: tf.Tensor, context: ApplyContext, kernel: tf.Tensor2D, bias: tf.Tensor): tf.Tensor {
    return tf.add(context.linear(x, kernel), bias);
  }

  abstract apply(x: tf.Tensor, context: ApplyContext): PreActivation;
  abstract forward(): EffectiveAffine;
  abstract rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): void;
  abstract boundary(): Boundary;

  dispose(): void {
    for (const variable of Object.values(this.named)) variable.dispose();
  }
}

/** Column norms of `[n, units]` as `[units]`. */
export function columnNorms(kernel: tf.Tensor2D): tf.Tensor1D {
  return tf.sqrt(tf.sum(tf.square(kernel), 0)) as tf.Tensor1D;
}

/** Boundary from a direction matrix (any scale) and an offset already divided by its norm. */
export function boundaryFrom(direction: tf.Tensor2D, offset: tf.Tensor1D): Boundary {
  const location = tf.neg(tf.mul(direction, offset)) as tf.Tensor2D;
  return { direction, offset, location };
}

/** Boundary `{x : w.x + b = 0}` of plain weights: u = w/|w|, lambda = b/|w|. */
export function boundaryOfWeights(kernel: tf.Tensor2D, bias: tf.Tensor1D): Boundary {
  return tidy(() => {
    const norms = columnNorms(kernel);
    return boundaryFrom(tf.div(kernel, norms) as tf.Tensor2D, tf.div(bias, norms) as tf.Tensor1D);
  });
}

/** Exponential moving average update, Keras convention: `moving = m * moving + (1 - m) * batch`. */
export function updateRunning(variable: tf.Variable, batch: tf.Tensor, momentum: number): void {
  const next = tf.tidy(() => tf.add(tf.mul(variable, momentum), tf.mul(batch, 1 - momentum)));
  variable.assign(next);
  next.dispose();
}
