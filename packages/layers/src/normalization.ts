import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@geoparam/core';
import { subtractMean } from '@geoparam/parameterizations';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = (number | null)[];

export interface MeanNormalizationArgs extends LayerArgs {
  /** Running-mean momentum (0.99, as in the paper and Keras). */
  momentum?: number;
}

function checkMomentum(momentum: number): number {
  if (!(momentum >= 0 && momentum < 1)) throw new InvalidArgumentError('momentum', momentum, 'in [0, 1)');
  return momentum;
}

/**
 * Subtracts the mean of each channel (the last axis): the batch's in training, updating a
 * running mean, else the running mean. The formula is `@geoparam/parameterizations`'
 * `subtractMean`, shared with geoparam's IMN and WN+MBN.
 */
abstract class MeanNormalization extends tfl.layers.Layer {
  readonly momentum: number;
  private movingMean: tfl.LayerVariable | null = null;

  constructor(args: MeanNormalizationArgs = {}) {
    super(args);
    this.momentum = checkMomentum(args.momentum ?? 0.99);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number' || shape.length < 2) {
      throw new InvalidArgumentError(`${this.getClassName()} input shape`, shape, 'at least 2-D with a known last dimension');
    }
    this.addOwnWeights(channels);
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tfl.initializers.zeros(), undefined, false);
    this.built = true;
  }

  protected addOwnWeights(_channels: number): void {}

  protected offset(value: tf.Tensor): tf.Tensor {
    return value;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const { value, movingMean } = subtractMean(x, this.movingMean!.read(), kwargs['training'] === true, this.momentum);
      if (movingMean) this.movingMean!.write(movingMean);
      return this.offset(value);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { momentum: this.momentum, ...super.getConfig() };
  }
}

/**
 * IMN (Chen & Ge): subtracts the mean of a layer's input, parameter-free; in the paper after
 * every GmP conv + ReLU. Weight: `moving_mean`.
 */
export class InputMeanNormalization extends MeanNormalization {
  static className = 'InputMeanNormalization';
}

export interface MeanOnlyBatchNormalizationArgs extends MeanNormalizationArgs {
  /** Add a trainable offset `beta` (default true): WN+MBN's bias. */
  center?: boolean;
}

/**
 * Mean-only batch normalization (Salimans & Kingma), the paper's WN+MBN baseline when it follows
 * a `weightNormDense`/`weightNormConv2d` without bias: `x - mean + beta`. Weights: `beta`,
 * `moving_mean`.
 */
export class MeanOnlyBatchNormalization extends MeanNormalization {
  static className = 'MeanOnlyBatchNormalization';
  readonly center: boolean;
  private beta: tfl.LayerVariable | null = null;

  constructor(args: MeanOnlyBatchNormalizationArgs = {}) {
    super(args);
    this.center = args.center ?? true;
  }

  protected override addOwnWeights(channels: number): void {
    if (this.center) this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros(), undefined, true);
  }

  protected override offset(value: tf.Tensor): tf.Tensor {
    return this.beta ? tf.add(value, this.beta.read()) : value;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { center: this.center, ...super.getConfig() };
  }
}
