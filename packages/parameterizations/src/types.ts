import type * as tf from '@tensorflow/tfjs-core';

export type ParameterizationName = 'standard' | 'weightNorm' | 'batchNorm' | 'meanOnlyBatchNorm' | 'geometric';

/**
 * The shape of the affine map a parameterization represents. Dense: `[n, units]`; conv2d:
 * `[kh, kw, cin, cout]`. Either way the fan-in is `n = prod(kernelShape[:-1])` and the kernel is
 * handled as `[n, units]` columns, one per unit.
 */
export interface LayerGeometry {
  readonly kernelShape: readonly number[];
  readonly fanIn: number;
  readonly units: number;
  /** Axes a batch statistic of the pre-activation averages over: [0] dense, [0, 1, 2] conv. */
  readonly statisticAxes: readonly number[];
}

/**
 * What a unit computes at inference: `scale * act(x . kernel + bias)` per column. `scale` is null
 * for every parameterization but GmP, whose radius `r` sits outside the activation.
 */
export interface EffectiveAffine {
  kernel: tf.Tensor2D;
  bias: tf.Tensor1D;
  scale: tf.Tensor1D | null;
}

/**
 * The characteristic activation boundary of every unit: `B = {x : u . x + lambda = 0}`, with
 * `direction` u (`[n, units]`, unit columns), `offset` lambda (`[units]`) and `location`
 * `phi = -lambda u` (`[n, units]`), the point of B closest to the origin.
 */
export interface Boundary {
  direction: tf.Tensor2D;
  offset: tf.Tensor1D;
  location: tf.Tensor2D;
}

/** Computes `x . kernel` for a dense (`[n, units]`) or conv (reshaped to 4-D) kernel. */
export type LinearMap = (x: tf.Tensor, kernel: tf.Tensor2D) => tf.Tensor;

export interface ApplyContext {
  training: boolean;
  linear: LinearMap;
  /**
   * The activation is positively homogeneous (`act(c z) = c act(z)` for c > 0: ReLU, linear), so a
   * parameterization may fold the magnitude of a per-unit `scale` into `value` and return only its
   * sign as `scale` (`scaleIsSign`).
   */
  foldPositiveScale?: boolean;
  /**
   * Training only: the running-statistics momentum of this call instead of the
   * parameterization's own (`recalibrateStatistics` passes `1 - 1/k` at batch k, so the running
   * statistics become the average of k batches' statistics).
   */
  statisticsMomentum?: number;
}

export interface PreActivation {
  /** `x . kernel + bias`, normalized where the parameterization normalizes. */
  value: tf.Tensor;
  /** Per-unit factor applied after the activation (GmP's radius, or its sign when folded), or null. */
  scale: tf.Tensor1D | null;
  /**
   * `scale` holds only signs (-1, 0, 1), whose derivative is zero: it is applied without a
   * gradient path, which spares the batch reduction a gradient of `scale` would cost.
   */
  scaleIsSign?: boolean;
  /** Training only: the next values of running statistics, by weight name; whoever owns the weights writes them. */
  updates?: Record<string, tf.Tensor>;
}

/** Raw weights by name: a geoparam layer's variables, or the weights a tfjs-layers layer reads. */
export type Weights = Readonly<Record<string, tf.Tensor>>;

export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** False for running statistics and fixed signs, which no optimizer updates. */
  readonly trainable: boolean;
}

/**
 * The math of one parameterization as pure functions of its raw weights: what both geoparam's
 * layers (which own `tf.Variable`s) and the tfjs-layers classes of `@geoparam/layers` (whose
 * weights `addWeight` creates) call, so every formula exists once.
 */
export interface ParameterizationMath {
  readonly name: ParameterizationName;
  readonly geometry: LayerGeometry;
  /** The raw weights, in the order a layer creates them. */
  readonly weightSpecs: readonly WeightSpec[];
  /** Weights at initialization from a drawn plain kernel `[n, units]` and bias. */
  initialWeights(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor>;
  /** The pre-activation of a batch; in training, batch-statistic parameterizations use batch statistics and return `updates`. */
  apply(weights: Weights, x: tf.Tensor, context: ApplyContext): PreActivation;
  /** The effective affine map under inference semantics (running statistics). Caller disposes. */
  forward(weights: Weights): EffectiveAffine;
  /**
   * Raw weights whose `forward` is `kernel`/`bias` (shapes validated first). Synchronous and free
   * of device reads, so it can run in tfjs-layers' `build`; finiteness is the caller's check
   * (`ParameterizedLayer.load` makes it). Caller disposes.
   */
  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): Record<string, tf.Tensor>;
  /** The CAB of every unit. Caller disposes. */
  boundary(weights: Weights): Boundary;
}

/**
 * One interface for every parameterization (after torch.nn.utils.parametrize and geotorch): raw
 * variables in, effective affine map and CAB geometry out. Layers, the CAB package and trainers
 * talk to this only, never to a concrete class.
 */
export interface Parameterization {
  readonly name: ParameterizationName;
  readonly geometry: LayerGeometry;
  /** The pure math this parameterization applies to its variables. */
  readonly math: ParameterizationMath;
  /** Every variable by a stable name, trainable or not (running statistics). */
  readonly variables: Readonly<Record<string, tf.Variable>>;
  /** The variables an optimizer updates. */
  readonly trainableVariables: readonly tf.Variable[];
  /** The pre-activation of a batch. In training, batch-statistic parameterizations use (and update) batch statistics. */
  apply(x: tf.Tensor, context: ApplyContext): PreActivation;
  /** The effective affine map under inference semantics (running statistics). Caller disposes. */
  forward(): EffectiveAffine;
  /**
   * Sets the raw variables so that `forward()` computes `kernel`/`bias` (the geotorch
   * `right_inverse` contract: `forward(rightInverse(W)) == W`). Checks shapes only and reads
   * nothing from the device; `ParameterizedLayer.load` also rejects non-finite values.
   */
  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): void;
  /** The CAB of every unit, in this parameterization's own coordinates. Caller disposes. */
  boundary(): Boundary;
  dispose(): void;
}
