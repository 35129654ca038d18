import { InvalidArgumentError } from '@geoparam/core';
import { batches, type Dataset } from '@geoparam/datasets';

/** 3 features [i, i+0.25, i+0.5], 2 targets [10i, -i]. */
function data(n: number): Dataset {
  const x = new Float32Array(n * 3);
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    x.set([i, i + 0.25, i + 0.5], 3 * i);
    y.set([10 * i, -i], 2 * i);
  }
  return { x, y, numExamples: n, numFeatures: 3, numTargets: 2 };
}

describe('batches', () => {
  it('walks the data in order, with a remainder batch unless dropped', () => {
    const all = [...batches(data(10), { batchSize: 4 })];
    expect(all.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(all.flatMap((b) => Array.from(b.indices))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...batches(data(10), { batchSize: 4, dropRemainder: true })].map((b) => b.size)).toEqual([4, 4]);
    expect([...batches(data(8), { batchSize: 4, dropRemainder: true })].map((b) => b.size)).toEqual([4, 4]);
    expect([...batches(data(3), { batchSize: 4, dropRemainder: true })]).toEqual([]);
  });

  it('copies the rows of its indices', () => {
    for (const b of batches(data(7), { batchSize: 3, shuffle: true, seed: 1 })) {
      expect(b.x).toBeInstanceOf(Float32Array);
      expect(b.x.length).toBe(b.size * 3);
      expect(b.y.length).toBe(b.size * 2);
      b.indices.forEach((i, k) => {
        expect(Array.from(b.x.subarray(3 * k, 3 * k + 3))).toEqual([i, i + 0.25, i + 0.5]);
        expect(Array.from(b.y.subarray(2 * k, 2 * k + 2))).toEqual([10 * i, -i]);
      });
    }
  });

  it('shuffles per (seed, epoch): every index once, repeatable, new order each epoch', () => {
    const order = (seed: number, epoch: number) =>
      [...batches(data(50), { batchSize: 8, shuffle: true, seed, epoch })].flatMap((b) => Array.from(b.indices));
    const e0 = order(7, 0);
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(e0).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order(7, 0)).toEqual(e0);
    expect(order(7, 1)).not.toEqual(e0);
    expect(order(7, 1)).toEqual(order(7, 1));
    expect(order(8, 0)).not.toEqual(e0);
    const epochs = new Set(Array.from({ length: 20 }, (_, e) => order(7, e).join(',')));
    expect(epochs.size).toBe(20);
    // Defaults: seed 0, epoch 0.
    expect([...batches(data(50), { batchSize: 8, shuffle: true })].flatMap((b) => Array.from(b.indices))).toEqual(order(0, 0));
  });

  it('checks options when called, not at the first batch', () => {
    expect(() => batches(data(5), { batchSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => batches(data(5), { batchSize: 2.5 })).toThrow(InvalidArgumentError);
    expect(() => batches(data(5), { batchSize: 2, epoch: -1 })).toThrow(InvalidArgumentError);
    expect(() => batches(data(5), { batchSize: 2, seed: NaN })).toThrow(InvalidArgumentError);
  });
});
