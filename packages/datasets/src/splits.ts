import { InvalidArgumentError, SeedStream, assertFiniteNumber } from '@geoparam/core';
import { assertDataset, take, type Dataset } from './dataset';

/** A uniformly random permutation of 0..n-1 (Fisher-Yates driven by the project's SeedStream). */
export function shuffledIndices(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new InvalidArgumentError('n', n, 'a non-negative integer');
  assertFiniteNumber('seed', seed);
  const rng = new SeedStream(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}

/**
 * Shuffles once and cuts the permutation into consecutive parts of the given sizes (the remainder
 * is the last part). Every part must be non-empty, so a split never silently loses a set.
 */
function partition(d: Dataset, parts: { name: string; fraction: number }[], seed: number): Dataset[] {
  assertDataset('dataset', d);
  const n = d.numExamples;
  const sizes = parts.map(({ name, fraction }) => {
    if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
      throw new InvalidArgumentError(name, fraction, 'a number in (0, 1)');
    }
    return Math.round(n * fraction);
  });
  const rest = n - sizes.reduce((a, b) => a + b, 0);
  const all = [...sizes, rest];
  if (all.some((size) => size < 1)) {
    const described = [...parts.map((p, i) => `${p.name.replace(/Fraction$/, '')} ${sizes[i]}`), `train ${rest}`].join(', ');
    throw new InvalidArgumentError(
      parts.map((p) => p.name).join(' + '),
      parts.map((p) => p.fraction).join(' + '),
      `fractions that leave every part of ${n} examples non-empty (sizes would be ${described})`,
    );
  }
  const order = shuffledIndices(n, seed);
  const out: Dataset[] = [];
  let start = 0;
  for (const size of all) {
    out.push(take(d, order.subarray(start, start + size)));
    start += size;
  }
  return out;
}

/** Seeded random split; the test set has round(n * testFraction) examples, both sets are shuffled. */
export function trainTestSplit(d: Dataset, o: { testFraction: number; seed: number }): { train: Dataset; test: Dataset } {
  const [test, train] = partition(d, [{ name: 'testFraction', fraction: o.testFraction }], o.seed);
  return { train: train!, test: test! };
}

/** Fractions are of the whole set: validation = round(n * validationFraction), test likewise. */
export function trainValidationTestSplit(
  d: Dataset,
  o: { validationFraction: number; testFraction: number; seed: number },
): { train: Dataset; validation: Dataset; test: Dataset } {
  const [test, validation, train] = partition(
    d,
    [
      { name: 'testFraction', fraction: o.testFraction },
      { name: 'validationFraction', fraction: o.validationFraction },
    ],
    o.seed,
  );
  return { train: train!, validation: validation!, test: test! };
}

/** Holds out round(n * validationFraction) of a training set, so the test set is never used for early stopping. */
export function carveValidation(
  train: Dataset,
  o: { validationFraction: number; seed: number },
): { train: Dataset; validation: Dataset } {
  const [validation, rest] = partition(train, [{ name: 'validationFraction', fraction: o.validationFraction }], o.seed);
  return { train: rest!, validation: validation! };
}
