import { InvalidArgumentError } from '@geoparam/core';
import { paperLearningRate as paperRate, resolveParameterizationName, type ParameterizationName } from '@geoparam/parameterizations';

/** The paper's cross-validated learning rate of a method in the one-hidden-layer MLP experiments. */
export function paperLearningRate(method: ParameterizationName): number {
  return paperRate(method, 'mlp');
}

/** The method the tables pair every other one against (differences to SP on the same seeds). */
export const BASELINE_METHOD: ParameterizationName = 'standard';

/** The four methods of the paper's MLP experiments: SP, WN, BN, GmP. */
export const MLP_METHODS = ['standard', 'weightNorm', 'batchNorm', 'geometric'] as const;

/** Method names or aliases (sp, wn, bn, gmp, …) → parameterization names, deduplicated; at least one. */
export function resolveMethods(names: string[]): ParameterizationName[] {
  const methods = names.map(resolveParameterizationName);
  if (methods.length === 0) throw new InvalidArgumentError('methods', names, 'at least one method');
  return [...new Set(methods)];
}
