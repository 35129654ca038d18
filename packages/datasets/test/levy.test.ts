import { InvalidArgumentError } from '@geoparam/core';
import { levy, levyFunction } from '@geoparam/datasets';

describe('levyFunction', () => {
  it('matches hand-computed values', () => {
    expect(levyFunction(1)).toBeCloseTo(0, 12); // w = 1: the global minimum
    // x = -10: w = -1.75, sin^2(-1.75 pi) = 0.5, (w-1)^2 = 7.5625, sin^2(-3.5 pi) = 1
    expect(levyFunction(-10)).toBeCloseTo(0.5 + 7.5625 * 2, 12);
    // x = 10: w = 3.25, sin^2(3.25 pi) = 0.5, (w-1)^2 = 5.0625, sin^2(6.5 pi) = 1
    expect(levyFunction(10)).toBeCloseTo(0.5 + 5.0625 * 2, 12);
  });
});

describe('levy (Figure 2 data)', () => {
  it('has 50 training points in [-10, 10] and the 201-point test grid -10:0.1:10', () => {
    const { train, test } = levy();
    expect(train).toMatchObject({ numExamples: 50, numFeatures: 1, numTargets: 1, featureNames: ['x'], targetNames: ['y'] });
    expect(train.x).toBeInstanceOf(Float32Array);
    expect(train.x.every((x) => x >= -10 && x <= 10)).toBe(true);
    expect(test.numExamples).toBe(201);
    expect(test.x[0]).toBe(-10);
    expect(test.x[200]).toBeCloseTo(10, 5);
    expect(test.x[100]).toBeCloseTo(0, 5);
    for (let i = 1; i < 201; i++) expect(test.x[i]! - test.x[i - 1]!).toBeCloseTo(0.1, 5);
  });

  it('has noise-free test targets', () => {
    const { test } = levy();
    // float32 storage: relative 1e-6
    test.x.forEach((x, i) => expect(Math.abs(test.y[i]! - levyFunction(x))).toBeLessThan(1e-6 * Math.max(1, levyFunction(x))));
  });

  it('adds N(0, 0.1^2) noise to the training targets', () => {
    const residuals = (o: Parameters<typeof levy>[0]) => {
      const { train } = levy(o);
      return Array.from(train.x, (x, i) => train.y[i]! - levyFunction(x));
    };
    const stats = (r: number[]) => {
      const mean = r.reduce((a, b) => a + b, 0) / r.length;
      return { mean, std: Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length) };
    };
    // 20000 draws: se(mean) = 0.0007, se(std) = 0.0005; tolerances are > 5 se.
    const big = stats(residuals({ seed: 3, trainSize: 20000 }));
    expect(Math.abs(big.mean)).toBeLessThan(0.004);
    expect(Math.abs(big.std - 0.1)).toBeLessThan(0.003);
    // The paper's 50 points: se(std) ~ 0.01, allow 4 se.
    const paper = stats(residuals({}));
    expect(paper.std).toBeGreaterThan(0.06);
    expect(paper.std).toBeLessThan(0.14);
    // noiseStd 0: exact targets up to float32 rounding.
    residuals({ noiseStd: 0 }).forEach((r) => expect(Math.abs(r)).toBeLessThan(1e-4));
    const other = stats(residuals({ seed: 3, trainSize: 20000, noiseStd: 0.5 }));
    expect(Math.abs(other.std - 0.5)).toBeLessThan(0.015);
  });

  it('draws x uniformly', () => {
    const { train } = levy({ seed: 9, trainSize: 20000 });
    const xs = Array.from(train.x);
    // U(-10, 10): mean 0, sd 5.77; se(mean) = 0.04. Each 2-wide bin holds 10% (se 0.2%).
    expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length)).toBeLessThan(0.2);
    for (let lo = -10; lo < 10; lo += 2) {
      const share = xs.filter((x) => x >= lo && x < lo + 2).length / xs.length;
      expect(Math.abs(share - 0.1)).toBeLessThan(0.01);
    }
  });

  it('is repeatable per seed and takes custom ranges', () => {
    expect(levy({ seed: 7 })).toEqual(levy({ seed: 7 }));
    expect(levy({ seed: 7 }).train.x).not.toEqual(levy({ seed: 8 }).train.x);
    expect(levy({ seed: 7 }).test).toEqual(levy({ seed: 8 }).test);
    const small = levy({ low: 0, high: 1, testStep: 0.25, trainSize: 5 });
    expect(Array.from(small.test.x)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(small.train.x.every((x) => x >= 0 && x <= 1)).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => levy({ low: 1, high: 1 })).toThrow(InvalidArgumentError);
    expect(() => levy({ testStep: 0 })).toThrow(InvalidArgumentError);
    expect(() => levy({ testStep: -0.1 })).toThrow(InvalidArgumentError);
    expect(() => levy({ trainSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => levy({ noiseStd: -1 })).toThrow(InvalidArgumentError);
  });
});
