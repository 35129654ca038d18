import { InvalidArgumentError } from '@geoparam/core';
import { resolveParameterizationName, type ParameterizationName } from '@geoparam/parameterizations';

/** The paper's cross-validated learning rates (primer §5): GmP 0.1, the others 0.01. */
export function paperLearningRate(method: ParameterizationName): number {
  return method === 'geometric' ? 0.1 : 0.01;
}

export const MLP_METHODS = ['standard', 'weightNorm', 'batchNorm', 'geometric'] as const;

export function resolveMethods(names: string[]): ParameterizationName[] {
  const methods = names.map(resolveParameterizationName);
  if (methods.length === 0) throw new InvalidArgumentError('methods', names, 'at least one method');
  return [...new Set(methods)];
}
