import * as tf from '@tensorflow/tfjs-core';
import { GeoparamError, InvalidArgumentError, UnknownNameError } from '@geoparam/core';

export type OptimizerSpec =
  | { name: 'adam'; learningRate: number; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'sgd'; learningRate: number; momentum?: number; nesterov?: boolean };

export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  if (!(spec.learningRate > 0 && Number.isFinite(spec.learningRate))) {
    throw new InvalidArgumentError('optimizer.learningRate', spec.learningRate, 'a positive finite number');
  }
  switch (spec.name) {
    case 'adam':
      // Keras' epsilon (1e-7), as in the reference code, rather than tfjs' backend epsilon.
      return tf.train.adam(spec.learningRate, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-7);
    case 'sgd': {
      const momentum = spec.momentum ?? 0;
      if (!(momentum >= 0 && momentum < 1)) throw new InvalidArgumentError('optimizer.momentum', momentum, 'in [0, 1)');
      return momentum > 0 ? tf.train.momentum(spec.learningRate, momentum, spec.nesterov ?? false) : tf.train.sgd(spec.learningRate);
    }
    default:
      throw new UnknownNameError('optimizer', (spec as { name: string }).name, ['adam', 'sgd']);
  }
}

/** tfjs reads `learningRate` on every step; SGD also caches it as a scalar that `setLearningRate` renews. */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const target = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof target.setLearningRate === 'function') target.setLearningRate(learningRate);
  else target.learningRate = learningRate;
}

/**
 * Disposes an optimizer completely. tfjs 4.22's MomentumOptimizer.dispose() frees its momentum
 * and accumulators but not the learning-rate scalar it inherits from SGD: free that too.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const rate = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (rate && !rate.isDisposed) rate.dispose();
}

export function getLearningRate(optimizer: tf.Optimizer): number {
  const rate = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  if (typeof rate !== 'number') {
    throw new GeoparamError('NO_LEARNING_RATE', `the optimizer (${optimizer.getClassName?.() ?? 'unknown class'}) has no numeric learningRate field, so its learning rate cannot be read or set (lr logs, ReduceLROnPlateau, StepDecay)`);
  }
  return rate;
}

/** The learning rate when the optimizer exposes one (every tfjs optimizer does). */
export function readLearningRate(optimizer: tf.Optimizer): number | undefined {
  const rate = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  return typeof rate === 'number' ? rate : undefined;
}

/** A `tf.Optimizer` instance (any copy of tfjs-core), recognised by its methods. */
export function isOptimizer(value: unknown): value is tf.Optimizer {
  const o = value as Partial<tf.Optimizer> | null;
  return typeof o === 'object' && o !== null && typeof o.minimize === 'function' && typeof o.applyGradients === 'function' && typeof o.getWeights === 'function';
}

/**
 * The run's optimizer: the caller's `tf.Optimizer` as it is (`owned: false`, never disposed by the
 * loop), or a new one from a spec (`owned: true`, disposed when the run ends).
 */
export function resolveOptimizer(value: OptimizerSpec | tf.Optimizer, argument = 'optimizer'): { optimizer: tf.Optimizer; owned: boolean } {
  if (isOptimizer(value)) return { optimizer: value, owned: false };
  const spec = value as Partial<OptimizerSpec> | null;
  if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string') {
    const what = typeof spec === 'object' && spec !== null ? `an object with keys [${Object.keys(spec).join(', ')}]` : String(value);
    throw new InvalidArgumentError(argument, what, 'a tf.Optimizer or { name: "adam" | "sgd", learningRate }');
  }
  return { optimizer: createOptimizer(spec as OptimizerSpec), owned: true };
}
