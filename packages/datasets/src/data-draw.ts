import { InvalidArgumentError } from '@geoparam/core';

/**
 * Where a dataset's random draws come from: `reference` repeats the paper's reference code
 * (numpy's legacy RandomState and scikit-learn's train_test_split, seeded as it seeds them), so the
 * points are the published ones; `own` uses the project's SeedStream (any finite seed).
 */
export type DataDraw = 'reference' | 'own';

export const DATA_DRAWS: readonly DataDraw[] = ['reference', 'own'];

export function assertDataDraw(argument: string, draw: unknown): asserts draw is DataDraw {
  if (!DATA_DRAWS.includes(draw as DataDraw)) throw new InvalidArgumentError(argument, draw, `one of ${DATA_DRAWS.join(', ')}`);
}
