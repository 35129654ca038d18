import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '@geoparam/core';
import { bananaExperiment, levy, loadBanana, loadUci, sha256, take, uciReferenceOrder, uciReferenceSplit, type Dataset } from '@geoparam/datasets';
import { forbidNetwork, sharedData } from './shared-data';

forbidNetwork();

// Generated once by fixtures/numpy/generate.py (numpy 1.24.2, scikit-learn 1.2.1) from the
// reference notebooks' own code.
interface Fixture {
  levy: { seed: number; x: number[]; noise: number[]; y: number[] }[];
  banana: {
    seed: number;
    subsample: number[];
    trainPositions: number[];
    testPositions: number[];
    trainMean: number[];
    trainStd: number[];
    standardizedTestHead: number[];
  }[];
  bostonKerasOrder: { seed: number; order: number[]; trainRows: number };
  uciReferenceSplits: Record<string, { randomState: number; testHead: number[]; testSha256: string; trainSha256: string }[]>;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'numpy', 'reference-draws.json'), 'utf8')) as Fixture;

function int32Hash(a: Int32Array): string {
  return sha256(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

describe("levy({ draw: 'reference' }): the notebook's 50 points", () => {
  it.each(fixture.levy.map((c) => [c.seed, c] as const))('seed %d: x bit-equal to numpy in float32, targets equal in float32', (seed, c) => {
    const { train } = levy({ seed, draw: 'reference' });
    expect(train.x).toEqual(Float32Array.from(c.x));
    // numpy computes the targets in float64 (its sin and log may differ from V8's in the last
    // bit); the data are float32, and there they agree exactly.
    expect(train.y).toEqual(Float32Array.from(c.y));
  });

  it('keeps the test grid and refuses seeds numpy refuses', () => {
    expect(levy({ draw: 'reference' }).test).toEqual(levy({ draw: 'own' }).test);
    expect(() => levy({ seed: -1, draw: 'reference' })).toThrow(/seed must be an integer in \[0, 4294967295\]/);
    expect(() => levy({ draw: 'numpy' as 'reference' })).toThrow(InvalidArgumentError);
    expect(levy({ seed: -1 }).train.numExamples).toBe(50);
  });
});

describe("bananaExperiment({ draw: 'reference' }): the notebook's 1000 points and split", () => {
  let full: Dataset;
  beforeAll(async () => {
    full = await loadBanana({ path: sharedData('banana') });
  });

  it.each(fixture.banana.map((c) => [c.seed, c] as const))('seed %d: the same rows in train and test, standardized with the training statistics', (seed, c) => {
    const { train, test, standardizer } = bananaExperiment(full, { seed, draw: 'reference' });
    const rows = (positions: number[]) => Int32Array.from(positions, (p) => c.subsample[p]!);
    const expectedTrain = take(full, rows(c.trainPositions));
    const expectedTest = take(full, rows(c.testPositions));
    expect([train.numExamples, test.numExamples]).toEqual([800, 200]);
    expect(train.y).toEqual(expectedTrain.y);
    expect(test.y).toEqual(expectedTest.y);
    // The notebook standardizes float64 data in float64; ours are float32 data and statistics.
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(standardizer.featureMean[j]! - c.trainMean[j]!)).toBeLessThan(1e-6 * (1 + Math.abs(c.trainMean[j]!)));
      expect(Math.abs(standardizer.featureStd[j]! / c.trainStd[j]! - 1)).toBeLessThan(1e-6);
    }
    c.standardizedTestHead.forEach((v, i) => expect(Math.abs(test.x[i]! - v)).toBeLessThan(2e-6));
    const manual = (d: Dataset) => Float32Array.from(d.x, (v, i) => (v - standardizer.featureMean[i % 2]!) / standardizer.featureStd[i % 2]!);
    expect(train.x).toEqual(manual(expectedTrain));
    expect(test.x).toEqual(manual(expectedTest));
  });

  it('carves validation from the training split only, as a second train_test_split', () => {
    const { train, validation, test } = bananaExperiment(full, { seed: 0, draw: 'reference', validationFraction: 0.2 });
    expect([train.numExamples, validation!.numExamples, test.numExamples]).toEqual([640, 160, 200]);
    expect(test.y).toEqual(bananaExperiment(full, { seed: 0, draw: 'reference' }).test.y);
  });
});

describe('UCI reference splits', () => {
  it("boston: Keras' order (RandomState(113) shuffle), whose first row is Keras' documented x_train[0]", async () => {
    const { order, trainRows } = fixture.bostonKerasOrder;
    expect(Array.from(uciReferenceOrder('boston'))).toEqual(order);
    expect(trainRows).toBe(404);
    const boston = await loadUci('boston', { path: sharedData('uci') });
    const first = take(boston, uciReferenceOrder('boston').subarray(0, 1));
    expect(Array.from(first.x)).toEqual([1.23247, 0, 8.14, 0, 0.538, 6.142, 91.7, 3.9769, 4, 307, 21, 396.9, 18.72].map(Math.fround));
    expect(Array.from(first.y)).toEqual([Math.fround(15.2)]);
  });

  it('other sets: file order', () => {
    expect(Array.from(uciReferenceOrder('yacht'))).toEqual(Array.from({ length: 308 }, (_, i) => i));
  });

  it.each(Object.entries(fixture.uciReferenceSplits))('%s: all 10 splits equal uci_regression.py’s rows', (name, cases) => {
    expect(cases).toHaveLength(10);
    for (const c of cases) {
      const { train, test } = uciReferenceSplit(name, c.randomState);
      expect(Array.from(test.subarray(0, 5))).toEqual(c.testHead);
      expect(int32Hash(test)).toBe(c.testSha256);
      expect(int32Hash(train)).toBe(c.trainSha256);
    }
  });
});
