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
   * parameterization may fold a positive per-unit `scale` into `value` and return `scale: null`.
   */
  foldPositiveScale?: boolean;
}

export interface PreActivation {
  /** `x . kernel + bias`, normalized where the parameterization normalizes. */
  value: tf.Tensor;
  /** Per-unit factor applied after the activation (GmP's radius), or null. */
  scale: tf.Tensor1D | null;
}

/**
 * One interface for every parameterization (after torch.nn.utils.parametrize and geotorch): raw
 * variables in, effective affine map and CAB geometry out. Layers, the CAB package and trainers
 * talk to this only, never to a concrete class.
 */
export interface Parameterization {
  readonly name: ParameterizationName;
  readonly geometry: LayerGeometry;
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
   * `right_inverse` contract: `forward(rightInverse(W)) == W`).
   */
  rightInverse(kernel: tf.Tensor2D, bias: tf.Tensor1D): void;
  /** The CAB of every unit, in this parameterization's own coordinates. Caller disposes. */
  boundary(): Boundary;
  dispose(): void;
}
