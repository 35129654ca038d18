import { InvalidArgumentError, ShapeMismatchError } from '@geoparam/core';
import { DatasetError, Standardizer, type Dataset } from '@geoparam/datasets';
import { columnMoments } from './shared-data';

function dataset(rows: number[][], targets: number[][] = rows.map(() => [0])): Dataset {
  return {
    x: Float32Array.from(rows.flat()),
    y: Float32Array.from(targets.flat()),
    numExamples: rows.length,
    numFeatures: rows[0]!.length,
    numTargets: targets[0]!.length,
  };
}

const train = dataset(
  [
    [1, 10, 0.998],
    [2, 30, 0.998],
    [3, 20, 0.998],
    [6, 60, 0.998],
  ],
  [
    [100, -1],
    [200, -2],
    [300, -4],
    [400, -8],
  ],
);
const test = dataset(
  [
    [10, -5, 0.998],
    [20, 5, 0.5],
  ],
  [
    [0, 0],
    [1000, 3],
  ],
);

describe('Standardizer', () => {
  it('fits on the training data only (population std) and applies those statistics to other sets', () => {
    const s = Standardizer.fit(train);
    // Tolerance: float32 storage of the statistics, ~1e-7 relative.
    expect(Array.from(s.featureMean)).toEqual([3, 30, Math.fround(0.998)].map((v) => expect.closeTo(v, 5)));
    expect(s.featureStd[0]).toBeCloseTo(Math.sqrt(3.5), 5);
    expect(s.featureStd[1]).toBeCloseTo(Math.sqrt(350), 4);
    expect(s.targetMean).toBeUndefined();
    const z = s.transform(train);
    const { mean, std } = columnMoments(z.x, 3);
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-6));
    expect(std[0]).toBeCloseTo(1, 6);
    expect(std[1]).toBeCloseTo(1, 6);
    expect(Array.from(z.y)).toEqual(Array.from(train.y)); // targets untouched without targets: true
    expect(z.y).not.toBe(train.y);
    const t = s.transform(test);
    expect(t.x[0]).toBeCloseTo((10 - 3) / Math.sqrt(3.5), 5);
    expect(t.x[4]).toBeCloseTo((5 - 30) / Math.sqrt(350), 5);
  });

  it('maps a zero-variance column to 0, never NaN', () => {
    const s = Standardizer.fit(train);
    expect(s.featureStd[2]).toBe(1);
    const z = s.transform(train);
    for (let i = 0; i < 4; i++) expect(z.x[3 * i + 2]).toBe(0);
    expect(z.x.every(Number.isFinite)).toBe(true);
    const zeros = Standardizer.fit(dataset([[0], [0], [0]]));
    expect(Array.from(zeros.featureStd)).toEqual([1]);
    expect(Array.from(zeros.transform(dataset([[0], [2]])).x)).toEqual([0, 2]);
    // A single example has zero variance in every column.
    expect(Array.from(Standardizer.fit(dataset([[5, 7]])).transform(dataset([[5, 7]])).x)).toEqual([0, 0]);
  });

  it('standardizes and inverse-transforms targets when asked', () => {
    const s = Standardizer.fit(train, { targets: true });
    expect(s.targetMean![0]).toBeCloseTo(250, 4);
    expect(s.targetStd![0]).toBeCloseTo(Math.sqrt(12500), 3);
    const z = s.transform(test);
    expect(z.y[2]).toBeCloseTo((1000 - 250) / Math.sqrt(12500), 5);
    const back = s.inverseTransformTargets(z.y);
    expect(back).toBeInstanceOf(Float32Array);
    // float32 round trip: relative 1e-6 plus a small absolute floor for the zeros.
    Array.from(test.y).forEach((v, i) => expect(Math.abs(back[i]! - v)).toBeLessThan(1e-6 * Math.abs(v) + 1e-4));
    expect(() => s.inverseTransformTargets(new Float32Array(3))).toThrow(ShapeMismatchError);
    expect(() => Standardizer.fit(train).inverseTransformTargets(z.y)).toThrow(DatasetError);
  });

  it('round-trips through JSON exactly', () => {
    for (const s of [Standardizer.fit(train), Standardizer.fit(train, { targets: true })]) {
      const copy = Standardizer.fromJSON(JSON.parse(JSON.stringify(s)));
      expect(copy.featureMean).toEqual(s.featureMean);
      expect(copy.featureStd).toEqual(s.featureStd);
      expect(copy.targetMean).toEqual(s.targetMean);
      expect(copy.targetStd).toEqual(s.targetStd);
      expect(copy.transform(test)).toEqual(s.transform(test));
    }
  });

  it('rejects bad JSON and mismatched data', () => {
    expect(() => Standardizer.fromJSON({ featureMean: [0] })).toThrow(InvalidArgumentError);
    expect(() => Standardizer.fromJSON({ featureMean: [0], featureStd: [0] })).toThrow(InvalidArgumentError);
    expect(() => Standardizer.fromJSON({ featureMean: [0, 1], featureStd: [1] })).toThrow(ShapeMismatchError);
    expect(() => Standardizer.fromJSON({ featureMean: [0], featureStd: [1], targetMean: [0] })).toThrow(InvalidArgumentError);
    expect(() => Standardizer.fromJSON(null)).toThrow(InvalidArgumentError);
    expect(() => Standardizer.fit(train).transform(dataset([[1, 2]]))).toThrow(ShapeMismatchError);
    const empty: Dataset = { x: new Float32Array(0), y: new Float32Array(0), numExamples: 0, numFeatures: 1, numTargets: 1 };
    expect(() => Standardizer.fit(empty)).toThrow(InvalidArgumentError);
  });
});
