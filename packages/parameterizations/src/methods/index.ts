import { UnknownNameError } from '@geoparam/core';
import type { ParameterizationName } from '../types';
import { batchNormMethod } from './batch-norm';
import { geometricMethod } from './geometric';
import { meanOnlyBatchNormMethod } from './mean-only-batch-norm';
import { standardMethod } from './standard';
import type { Architecture, MethodFacts, VariantFacts } from './types';
import { weightNormMethod } from './weight-norm';

export * from './types';

/**
 * The one registry of per-method facts (labels, aliases, the paper's learning rates, network
 * variants, sign handling). Each method's facts live in a file named after its parameterization;
 * code elsewhere asks here instead of comparing names. Order: the paper's Table 1 (then WN+MBN).
 */
export const METHODS: readonly MethodFacts[] = [standardMethod, weightNormMethod, batchNormMethod, meanOnlyBatchNormMethod, geometricMethod];

/** Every network variant, in the paper's Table 2 order: SP, WN, WN+MBN, BN, GmP, GmP+IMN. */
export const VARIANTS: readonly VariantFacts[] = ['sp', 'wn', 'wn+mbn', 'bn', 'gmp', 'gmp+imn'].map(
  (key) => METHODS.flatMap((m) => m.variants).find((v) => v.key === key)!,
);

const byName = new Map<string, MethodFacts>();
for (const method of METHODS) {
  byName.set(method.name, method);
  for (const alias of method.aliases) byName.set(alias, method);
}

/** A method by its name or an alias (aliases in any case); UnknownNameError lists the known ones. */
export function methodFacts(name: ParameterizationName | string): MethodFacts {
  const found = byName.get(name) ?? byName.get(name.toLowerCase());
  if (!found) throw new UnknownNameError('parameterization', name, [...byName.keys()]);
  return found;
}

/** The paper's label of a method or variant name (e.g. `geometric`, `gmp+imn`); unknown names come back as given. */
export function methodLabel(name: string): string {
  const variant = VARIANTS.find((v) => v.key === name.toLowerCase());
  if (variant) return variant.label;
  return byName.get(name)?.label ?? byName.get(name.toLowerCase())?.label ?? name;
}

/**
 * A network variant by key (`gmp+imn`), or by a method name or alias, which means the method's
 * plain variant (`geometric` → `gmp`).
 */
export function resolveVariant(name: string): VariantFacts {
  const variant = VARIANTS.find((v) => v.key === name.toLowerCase());
  if (variant) return variant;
  const method = byName.get(name) ?? byName.get(name.toLowerCase());
  if (method) return method.variants[0]!;
  throw new UnknownNameError('variant', name, [...VARIANTS.map((v) => v.key), ...byName.keys()]);
}

/** The paper's learning rate for a method or variant on one architecture (primer §5). */
export function paperLearningRate(name: string, architecture: Architecture): number {
  return methodFacts(resolveVariant(name).parameterization).paperLearningRate[architecture];
}
