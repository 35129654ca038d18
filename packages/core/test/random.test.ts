import { InvalidArgumentError, SeedStream } from '@geoparam/core';

describe('SeedStream', () => {
  it('repeats for the same seed and differs across seeds', () => {
    const a = new SeedStream(1);
    const b = new SeedStream(1);
    const c = new SeedStream(2);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
    for (const s of seqA) expect(s).toBeGreaterThanOrEqual(0);
  });

  it('draws normals with mean ~0 and std ~1', () => {
    const s = new SeedStream(7);
    const xs = Array.from({ length: 20000 }, () => s.normal());
    const mean = xs.reduce((p, x) => p + x, 0) / xs.length;
    const variance = xs.reduce((p, x) => p + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.03);
  });

  it('skips n seeds in one call exactly as n calls of next() do, past 2^32 steps too', () => {
    for (const [seed, n] of [[0, 0], [1, 1], [7, 10_000], [2 ** 31 - 1, 123_457], [42, 2 ** 32 + 5]] as const) {
      const walked = new SeedStream(seed);
      // 2^32 steps return the state to where it was: walk only n mod 2^32 of them.
      for (let i = 0; i < n % 2 ** 32; i++) walked.next();
      expect(new SeedStream(seed).skip(n).next()).toBe(walked.next());
    }
    expect(() => new SeedStream(0).skip(-1)).toThrow(/count must be a non-negative integer, got -1/);
    expect(() => new SeedStream(0).skip(1.5)).toThrow(InvalidArgumentError);
  });

  it('rejects a non-finite seed by name', () => {
    expect(() => new SeedStream(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => new SeedStream(Number.NaN)).toThrow(/seed must be a finite number, got NaN/);
  });
});
