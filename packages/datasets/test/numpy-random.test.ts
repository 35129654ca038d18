import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '@geoparam/core';
import { NumpyRandomState, sha256, sklearnTrainTestSplit } from '@geoparam/datasets';

// Generated once by fixtures/numpy/generate.py with numpy 1.24.2 and scikit-learn 1.2.1.
function fixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'numpy', name), 'utf8')) as T;
}

interface RandomCase {
  seed: number;
  uint32: number[];
  randomSample: number[];
  uniform: number[];
  normal: number[];
  normalNext: number[];
  permutation10: number[];
  permutation1000: number[];
  shuffle20: number[];
  choice: number[];
  afterAll: number[];
  standardNormal: number[];
}

const random = fixture<{ cases: RandomCase[]; reseededNormal: { seed: number; values: number[] } }>('numpy-random.json');

/** Distance in units in the last place between two doubles of the same sign. */
function ulps(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, a);
  view.setFloat64(8, b);
  return Number(view.getBigInt64(0) - view.getBigInt64(8));
}

/**
 * Standard normals go through V8's Math.log where numpy's go through glibc's log, and sqrt and
 * the product round that difference once more: a value may differ from numpy's by up to 2 ulps
 * (measured over 5000 draws: 4829 bit-equal, 144 at 1 ulp, 27 at 2 ulps; all equal in float32).
 */
function expectWithinTwoUlps(actual: Float64Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(0, ...Array.from(actual, (v, i) => Math.abs(ulps(v, expected[i]!))));
  expect(worst).toBeLessThanOrEqual(2);
}

/**
 * normal(loc, scale) = loc + scale * g: 2 ulps of g become 2 * scale * ulp(g), plus the rounding
 * of the product and the sum (half an ulp of each result).
 */
function expectNormalClose(actual: Float64Array, expected: number[], loc: number, scale: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    const e = expected[i]!;
    const g = (e - loc) / scale;
    expect(Math.abs(v - e)).toBeLessThanOrEqual(2 ** -52 * (4 * scale * Math.abs(g) + Math.abs(e) + Math.abs(loc)));
  });
}

describe('NumpyRandomState', () => {
  it('covers seed 0 and the largest seed numpy accepts', () => {
    expect(random.cases.map((c) => c.seed)).toEqual(expect.arrayContaining([0, 123456789, 4294967295]));
  });

  it.each(random.cases.map((c) => [c.seed, c] as const))('seed %d: the same draws as numpy, in one sequence', (seed, c) => {
    const rs = new NumpyRandomState(seed);
    expect(Array.from({ length: c.uint32.length }, () => rs.nextUint32())).toEqual(c.uint32);
    // float64-exact: random_sample and uniform are pure arithmetic on the 32-bit words.
    expect(Array.from(rs.randomSample(7))).toEqual(c.randomSample);
    expect(Array.from(rs.uniform(-10, 10, [5, 2]))).toEqual(c.uniform);
    expectNormalClose(rs.normal(0.5, 2, 9), c.normal, 0.5, 2);
    expectWithinTwoUlps(rs.normal(0, 1, 3), c.normalNext);
    expect(Array.from(rs.permutation(10))).toEqual(c.permutation10);
    expect(Array.from(rs.permutation(1000))).toEqual(c.permutation1000);
    const shuffled = Array.from({ length: 20 }, (_, i) => i);
    rs.shuffle(shuffled);
    expect(shuffled).toEqual(c.shuffle20);
    expect(Array.from(rs.choice(5300, 25, { replace: false }))).toEqual(c.choice);
    expect(Array.from(rs.randomSample(2))).toEqual(c.afterAll);
  });

  it('standard normals: within 2 ulps of numpy, nearly all bit-equal, all equal in float32', () => {
    let exact = 0;
    let total = 0;
    for (const c of random.cases) {
      const got = new NumpyRandomState(c.seed).normal(0, 1, 1000);
      expectWithinTwoUlps(got, c.standardNormal);
      expect(Float32Array.from(got)).toEqual(Float32Array.from(c.standardNormal));
      got.forEach((v, i) => {
        total++;
        if (v === c.standardNormal[i]) exact++;
      });
    }
    // Measured on Node 20 / glibc 2.36: 171 of 5000 differ, always both values of a pair.
    expect(exact / total).toBeGreaterThan(0.9);
  });

  it('reseeding forgets a cached normal, as np.random.seed does', () => {
    const { seed, values } = random.reseededNormal;
    const rs = new NumpyRandomState(seed);
    rs.normal(0, 1, 1);
    rs.seed(seed);
    expectWithinTwoUlps(rs.normal(0, 1, 3), values);
  });

  it('refuses seeds numpy refuses, naming the range', () => {
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => new NumpyRandomState(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => new NumpyRandomState(2 ** 32)).toThrow(/seed must be an integer in \[0, 4294967295\].*got 4294967296/);
  });

  it('refuses draws it does not reproduce and bad sizes', () => {
    const rs = new NumpyRandomState(0);
    expect(() => rs.choice(10, 3, { replace: true } as unknown as { replace: false })).toThrow(/replace must be false/);
    expect(() => rs.choice(10, 11, { replace: false })).toThrow(/size must be an integer in \[0, n = 10\]/);
    expect(() => rs.uniform(0, 1, [2, -1])).toThrow(InvalidArgumentError);
    expect(() => rs.normal(0, -1, 2)).toThrow(/scale must be/);
    expect(() => rs.permutation(-3)).toThrow(InvalidArgumentError);
  });
});

interface SplitCase {
  randomState: number;
  testSize: number;
  trainSize: number;
  testHead: number[];
  trainHead: number[];
  testSha256: string;
  trainSha256: string;
}

const splits = fixture<{ sets: Record<string, { n: number; splits: SplitCase[] }> }>('sklearn-splits.json');

function int32Hash(a: Int32Array): string {
  return sha256(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

describe('sklearnTrainTestSplit', () => {
  it('has fixtures for every UCI set', () => {
    expect(Object.keys(splits.sets).sort()).toEqual(['boston', 'concrete', 'energy', 'kin8nm', 'naval', 'power', 'protein', 'wine-red', 'yacht']);
  });

  it.each(Object.entries(splits.sets))('%s: the indices of all 10 splits equal scikit-learn’s', (_name, { n, splits: cases }) => {
    expect(cases).toHaveLength(10);
    for (const c of cases) {
      const { train, test } = sklearnTrainTestSplit(n, { testSize: 0.2, randomState: c.randomState });
      expect([train.length, test.length]).toEqual([c.trainSize, c.testSize]);
      expect(Array.from(test.subarray(0, 5))).toEqual(c.testHead);
      expect(Array.from(train.subarray(0, 5))).toEqual(c.trainHead);
      expect(int32Hash(test)).toBe(c.testSha256);
      expect(int32Hash(train)).toBe(c.trainSha256);
    }
  });

  it('refuses shares and seeds scikit-learn refuses', () => {
    expect(() => sklearnTrainTestSplit(10, { testSize: 1, randomState: 0 })).toThrow(/testSize must be a number in \(0, 1\)/);
    expect(() => sklearnTrainTestSplit(10, { testSize: 0.2, randomState: -1 })).toThrow(/randomState must be an integer in \[0, 4294967295\]/);
    expect(() => sklearnTrainTestSplit(2, { testSize: 0.6, randomState: 0 })).toThrow(/non-empty training set/);
  });
});
