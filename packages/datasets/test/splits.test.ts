import { InvalidArgumentError } from '@geoparam/core';
import { carveValidation, shuffledIndices, take, trainTestSplit, trainValidationTestSplit, type Dataset } from '@geoparam/datasets';

/** x = [i, -i], y = 2i: every row is identifiable and pairs stay checkable. */
function indexed(n: number): Dataset {
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
    y[i] = 2 * i;
  }
  return { x, y, numExamples: n, numFeatures: 2, numTargets: 1, featureNames: ['i', 'minus'], targetNames: ['twice'] };
}

/** The row ids of a split part, after checking each row is still intact. */
function ids(d: Dataset): number[] {
  const out: number[] = [];
  for (let k = 0; k < d.numExamples; k++) {
    const i = d.x[2 * k]!;
    expect(d.x[2 * k + 1]).toBe(-i);
    expect(d.y[k]).toBe(2 * i);
    out.push(i);
  }
  return out;
}

function expectPartition(n: number, ...parts: Dataset[]): void {
  const all = parts.flatMap(ids).sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe('shuffledIndices', () => {
  it('is a seeded permutation', () => {
    const p = shuffledIndices(100, 5);
    expect(p).toBeInstanceOf(Int32Array);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(shuffledIndices(100, 5)).toEqual(p);
    expect(shuffledIndices(100, 6)).not.toEqual(p);
    expect(Array.from(shuffledIndices(0, 1))).toEqual([]);
    expect(Array.from(shuffledIndices(1, 1))).toEqual([0]);
    expect(() => shuffledIndices(-1, 0)).toThrow(InvalidArgumentError);
    expect(() => shuffledIndices(3, NaN)).toThrow(InvalidArgumentError);
  });

  it('draws every order of 3 items about equally often', () => {
    const counts = new Map<string, number>();
    const trials = 6000;
    for (let s = 0; s < trials; s++) {
      const key = Array.from(shuffledIndices(3, s)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Each count is Binomial(6000, 1/6): mean 1000, sd ~29; 150 is > 5 sd.
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe('take', () => {
  it('copies the rows at the indices, in order, with repeats and names', () => {
    const d = take(indexed(5), [4, 0, 4]);
    expect(ids(d)).toEqual([4, 0, 4]);
    expect(d.featureNames).toEqual(['i', 'minus']);
    expect(d.targetNames).toEqual(['twice']);
    expect(() => take(indexed(5), [5])).toThrow(InvalidArgumentError);
    expect(() => take(indexed(5), [1.5])).toThrow(InvalidArgumentError);
  });
});

describe('splits', () => {
  it('trainTestSplit: test = round(n * testFraction), disjoint, covering, seeded', () => {
    const d = indexed(1000);
    const { train, test } = trainTestSplit(d, { testFraction: 0.2, seed: 1 });
    expect([train.numExamples, test.numExamples]).toEqual([800, 200]);
    expectPartition(1000, train, test);
    expect(train.featureNames).toEqual(['i', 'minus']);
    const again = trainTestSplit(d, { testFraction: 0.2, seed: 1 });
    expect(again.test.x).toEqual(test.x);
    expect(again.train.y).toEqual(train.y);
    expect(trainTestSplit(d, { testFraction: 0.2, seed: 2 }).test.x).not.toEqual(test.x);
    // round(2.5) = 3
    expect(trainTestSplit(indexed(10), { testFraction: 0.25, seed: 0 }).test.numExamples).toBe(3);
  });

  it('trainValidationTestSplit: fractions of the whole set', () => {
    const { train, validation, test } = trainValidationTestSplit(indexed(100), { validationFraction: 0.1, testFraction: 0.2, seed: 3 });
    expect([train.numExamples, validation.numExamples, test.numExamples]).toEqual([70, 10, 20]);
    expectPartition(100, train, validation, test);
    const again = trainValidationTestSplit(indexed(100), { validationFraction: 0.1, testFraction: 0.2, seed: 3 });
    expect(ids(again.validation)).toEqual(ids(validation));
  });

  it('carveValidation: a fraction of the training set', () => {
    const { train, validation } = carveValidation(indexed(800), { validationFraction: 0.1, seed: 4 });
    expect([train.numExamples, validation.numExamples]).toEqual([720, 80]);
    expectPartition(800, train, validation);
  });

  it('refuses fractions that leave a part empty', () => {
    for (const testFraction of [0, 1, -0.1, NaN]) {
      expect(() => trainTestSplit(indexed(10), { testFraction, seed: 0 })).toThrow(InvalidArgumentError);
    }
    expect(() => trainTestSplit(indexed(2), { testFraction: 0.1, seed: 0 })).toThrow(/sizes would be test 0, train 2/);
    expect(() => trainValidationTestSplit(indexed(10), { validationFraction: 0.5, testFraction: 0.5, seed: 0 })).toThrow(
      InvalidArgumentError,
    );
  });
});
