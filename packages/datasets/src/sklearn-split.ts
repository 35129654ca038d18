import { InvalidArgumentError } from '@geoparam/core';
import { NumpyRandomState, assertNumpySeed } from './numpy-random';

export interface SklearnSplitOptions {
  /** Share of the rows in the test set, in (0, 1); the test set has ceil(testSize * n) rows. */
  testSize: number;
  /** scikit-learn's `random_state` (an integer numpy seed). */
  randomState: number;
}

/**
 * Row indices of scikit-learn's `train_test_split(..., test_size=testSize,
 * random_state=randomState)` (shuffle=True, no stratification), in the order scikit-learn
 * returns the rows: ShuffleSplit draws `RandomState(randomState).permutation(n)`; the test set
 * is its first ceil(testSize * n) entries, the training set the rest, both in permutation order.
 */
export function sklearnTrainTestSplit(n: number, o: SklearnSplitOptions): { train: Int32Array; test: Int32Array } {
  if (!Number.isInteger(n) || n < 2 || n > 2 ** 31 - 1) throw new InvalidArgumentError('n', n, 'an integer in [2, 2^31 - 1]');
  const { testSize, randomState } = o;
  if (typeof testSize !== 'number' || !(testSize > 0 && testSize < 1)) throw new InvalidArgumentError('testSize', testSize, 'a number in (0, 1)');
  assertNumpySeed('randomState', randomState);
  const nTest = Math.ceil(testSize * n);
  if (nTest >= n) {
    throw new InvalidArgumentError('testSize', testSize, `a share that leaves a non-empty training set of the ${n} rows (ceil(testSize * n) = ${nTest})`);
  }
  const permutation = new NumpyRandomState(randomState).permutation(n);
  return { train: permutation.slice(nTest), test: permutation.slice(0, nTest) };
}
