import * as tf from '@tensorflow/tfjs-core';
import { assertFinite, assertShape, tidy } from '@geoparam/core';
import { glorotLimit } from './geometry';
import type {
  ApplyContext,
  Boundary,
  EffectiveAffine,
  LayerGeometry,
  Parameterization,
  ParameterizationMath,
  ParameterizationName,
  PreActivation,
  Weights,
  WeightSpec,
} from './types';

export interface InitOptions {
  /** Seeds the initial draw; the same seed gives the same weights on every backend. */
  seed?: number;
}

/** What every math shares: its geometry, validation of plain weights, the affine map. */
export abstract class BaseMath implements ParameterizationMath {
  abstract readonly name: ParameterizationName;
  abstract readonly weightSpecs: readonly WeightSpec[];

  constructor(readonly geometry: LayerGeometry) {}

  initialWeights(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor> {
    return this.rightInverse(kernel, bias);
  }

  /**
   * Shapes only: `rightInverse` runs inside tfjs-layers' synchronous `build` and must not read the
   * device. Callers holding user-supplied values check finiteness first (`assertFinitePlain`).
   */
  protected validatePlain(kernel: tf.Tensor2D, bias: tf.Tensor1D): void {
    assertShape('kernel', kernel, [this.geometry.fanIn, this.geometry.units]);
    assertShape('bias', bias, [this.geometry.units]);
  }

  protected spec(name: string, rows: number | null, trainable = true): WeightSpec {
    return { name, shape: rows === null ? [this.geometry.units] : [rows, this.geometry.units], trainable };
  }

  abstract apply(weights: Weights, x: tf.Tensor, context: ApplyContext): PreActivation;
  abstract forward(weights: Weights): EffectiveAffine;
  abstract rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor>;
  abstract boundary(weights: Weights): Boundary;
}

/** Rejects a NaN/Infinity in plain weights before they are converted, reading them asynchronously. */
export async function assertFinitePlain(kernel: tf.Tensor, bias: tf.Tensor): Promise<void> {
  await assertFinite('kernel', kernel);
  await assertFinite('bias', bias);
}

/** `x . kernel + bias` with the layer's linear map. */
export function affine(x: tf.Tensor, context: ApplyContext, kernel: tf.Tensor2D, bias: tf.Tensor): tf.Tensor {
  return tf.add(context.linear(x, kernel), bias);
}

/** A seeded Glorot-uniform kernel `[n, units]`, the reference code's initializer. */
export function glorotKernel(geometry: LayerGeometry, options: InitOptions): tf.Tensor2D {
  const limit = glorotLimit(geometry);
  return tf.randomUniform([geometry.fanIn, geometry.units], -limit, limit, 'float32', options.seed);
}

/**
 * A parameterization that owns its weights as `tf.Variable`s and applies its math to them:
 * named variables, running-statistic updates, disposal.
 */
export class BaseParameterization implements Parameterization {
  private readonly named: Record<string, tf.Variable> = {};
  private readonly trainableKeys: string[] = [];

  /** `initialKernel` draws the plain kernel `[n, units]` the weights start from (bias 0). */
  protected constructor(
    readonly math: ParameterizationMath,
    initialKernel: tf.Tensor2D,
  ) {
    const bias = tf.zeros([math.geometry.units]) as tf.Tensor1D;
    const initial = math.initialWeights(initialKernel, bias);
    tf.dispose([initialKernel, bias]);
    for (const spec of math.weightSpecs) {
      const value = initial[spec.name]!;
      this.named[spec.name] = tf.variable(value, spec.trainable);
      value.dispose();
      if (spec.trainable) this.trainableKeys.push(spec.name);
    }
  }

  get name(): ParameterizationName {
    return this.math.name;
  }

  get geometry(): LayerGeometry {
    return this.math.geometry;
  }

  get variables(): Readonly<Record<string, tf.Variable>> {
    return this.named;
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.trainableKeys.map((key) => this.named[key]!);
  }

  apply(x: tf.Tensor, context: ApplyContext): PreActivation {
    const pre = this.math.apply(this.named, x, context);
    if (pre.updates) {
      for (const [key, value] of Object.entries(pre.updates)) this.named[key]!.assign(value);
      delete pre.updates;
    }
    return pre;
  }

  forward(): EffectiveAffine {
    return this.math.forward(this.named);
  }

  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): void {
    const values = this.math.rightInverse(kernel, bias);
    for (const [key, value] of Object.entries(values)) {
      const variable = this.named[key]!;
      const reshaped = tf.reshape(value, variable.shape);
      variable.assign(reshaped);
      tf.dispose([reshaped, value]);
    }
  }

  boundary(): Boundary {
    return this.math.boundary(this.named);
  }

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

/**
 * Exponential moving average, Keras convention: `moving = m * moving + (1 - m) * batch`. Momentum
 * 0 is the batch itself, even where `moving` is not finite (0 * NaN would keep the NaN).
 */
export function movingAverage(moving: tf.Tensor, batch: tf.Tensor, momentum: number): tf.Tensor {
  if (momentum === 0) return tf.clone(batch);
  return tf.tidy(() => tf.add(tf.mul(moving, momentum), tf.mul(batch, 1 - momentum)));
}

/**
 * Subtracts a per-channel mean (every axis but the last): the batch's in training, returning the
 * running mean's next value, else the running mean. IMN on a layer's input, and MBN on a
 * pre-activation, are this one formula.
 */
export function subtractMean(
  x: tf.Tensor,
  movingMean: tf.Tensor,
  training: boolean,
  momentum: number,
): { value: tf.Tensor; movingMean?: tf.Tensor } {
  if (!training) return { value: tf.sub(x, movingMean) };
  const mean = tf.mean(x, [...Array(x.rank - 1).keys()]);
  return { value: tf.sub(x, mean), movingMean: movingAverage(movingMean, mean, momentum) };
}
