import type * as tf from '@tensorflow/tfjs-core';
import type { Parameterization, ParameterizationName } from '../types';

/** The networks the paper reports learning rates for (primer §5). */
export type Architecture = 'mlp' | 'vgg6' | 'resnet';

export const ARCHITECTURES: readonly Architecture[] = ['mlp', 'vgg6', 'resnet'];

/**
 * A per-unit factor outside the activation that may be negative (GmP's radius: `r relu(z)` with
 * r < 0 is `-|r| relu(z)`). A method without one can only hold such a unit after the sign moves
 * into the next layer's weights, which is what model conversion does with these two operations.
 */
export interface SignedOutputScale {
  /** The per-unit scale, `[units]`. Caller disposes. */
  read(p: Parameterization): tf.Tensor1D;
  /** Replaces every scale by its absolute value (the caller moves the signs downstream). */
  makeNonNegative(p: Parameterization): void;
}

/** One network-level variant of a method, as the paper's tables name them (GmP+IMN, WN+MBN, ...). */
export interface VariantFacts {
  /** What a command line takes, lower case: `gmp+imn`. */
  readonly key: string;
  readonly label: string;
  readonly parameterization: ParameterizationName;
  /** Input mean normalization after every hidden ReLU (the paper's fix for depth). */
  readonly imn: boolean;
}

/** Every fact about one parameterization that code outside its own files may ask. */
export interface MethodFacts {
  readonly name: ParameterizationName;
  /** The paper's label: SP, WN, BN, WN+MBN, GmP. */
  readonly label: string;
  /** Short names people type (lower case). */
  readonly aliases: readonly string[];
  /** The paper's cross-validated learning rate per architecture (primer §5). */
  readonly paperLearningRate: Readonly<Record<Architecture, number>>;
  /**
   * The output (linear) layer's parameterization in the reference code's MLPs: WN weight-normalizes
   * it too, every other method keeps a plain (SP) output layer.
   */
  readonly referenceOutputLayer: ParameterizationName;
  /** Network variants, the plain one (no IMN) first. */
  readonly variants: readonly VariantFacts[];
  /** Present only where the method holds a sign outside the activation (GmP). */
  readonly signedOutputScale?: SignedOutputScale;
}
