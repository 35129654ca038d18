import { describeSample, formatMeanSe, formatRange, pairedDifferences } from '../src/experiments/statistics';

describe('describeSample', () => {
  it('gives mean, s.e. (sample std / sqrt n), median and range', () => {
    const s = describeSample([4, 1, 3, 2]);
    expect(s).toMatchObject({ n: 4, mean: 2.5, median: 2.5, min: 1, max: 4 });
    // sample variance (n − 1) = 5/3; s.e. = sqrt(5/3 / 4)
    expect(s.se).toBeCloseTo(Math.sqrt(5 / 12), 12);
    expect(describeSample([7, 1, 5]).median).toBe(5);
    expect(describeSample([7])).toEqual({ n: 1, mean: 7, se: 0, median: 7, min: 7, max: 7 });
    expect(describeSample([]).mean).toBeNaN();
  });
});

describe('pairedDifferences', () => {
  it('subtracts the reference on the same keys only, and its s.e. drops what the pairs share', () => {
    const reference = new Map([['0/0', 1.2], ['0/1', 1.5], ['0/2', 0.9], ['0/9', 3]]);
    const values = new Map([['0/0', 1.0], ['0/1', 1.3], ['0/2', 0.7], ['1/0', 5]]);
    const d = pairedDifferences(values, reference);
    expect(d.pairs).toEqual(['0/0', '0/1', '0/2']);
    expect(d.n).toBe(3);
    expect(d.mean).toBeCloseTo(-0.2, 12);
    expect(d.se).toBeLessThan(1e-12);
    expect(describeSample([1.0, 1.3, 0.7]).se).toBeGreaterThan(0.1);
  });
});

describe('formatting', () => {
  it('prints mean ± s.e. and min–max with fixed decimals', () => {
    expect(formatMeanSe({ n: 3, mean: 1.23456, se: 0.0456 })).toBe('1.235 ± 0.046');
    expect(formatRange({ n: 2, min: 0.5, max: 1 }, 2)).toBe('0.50–1.00');
    expect(formatMeanSe(describeSample([]))).toBe('-');
  });
});
