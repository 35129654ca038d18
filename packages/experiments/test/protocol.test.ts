import '@geoparam/backend-cpu/register';
import { useBackend } from '@geoparam/core';
import { loadUci, take, uciReferenceSplit, type Dataset } from '@geoparam/datasets';
import { sharedData } from '@geoparam/test-utils';
import { recorded } from './recorded-dataset';
import { TestSplitReadError, prepareUciSplit, sealTestSplit, trainUciRuns, trainUciSplits, type UciRun, type UciRunResult } from '@geoparam/experiments';

const yachtRef = { name: 'yacht', sha256: 'a'.repeat(64) };
const run = (overrides: Partial<UciRun> = {}): UciRun => ({
  data: yachtRef,
  method: 'standard',
  split: 3,
  learningRate: 0.01,
  seed: 0,
  epochs: 6,
  protocol: 'validation',
  draw: 'reference',
  phase: 'final',
  ...overrides,
});

describe('the UCI protocol', () => {
  let yacht: Dataset;
  beforeAll(async () => {
    await useBackend('cpu');
    yacht = await loadUci('yacht', { path: sharedData('uci') });
  });

  it('draws split k as the reference does: train_test_split(test_size=0.2, random_state=k) on the reference rows', () => {
    const indices = uciReferenceSplit('yacht', 3);
    const refit = prepareUciSplit(yacht, run({ phase: 'refit', protocol: 'refit' }));
    // Targets are not standardized: the test targets are the reference test rows' targets, in its order.
    expect(Array.from(refit.test.y)).toEqual(Array.from(take(yacht, indices.test).y));
    expect(refit.train.numExamples).toBe(246);
    expect(refit.validation).toBeNull();
    // The validation protocol holds out 20% of those training rows (train_test_split again, random_state=k).
    const validation = prepareUciSplit(yacht, run());
    expect([validation.train.numExamples, validation.validation!.numExamples, validation.test.numExamples]).toEqual([196, 50, 62]);
    expect(Array.from(validation.test.y)).toEqual(Array.from(refit.test.y));
    // The same split whatever the seed (it seeds initializations only); `own` draws another one.
    expect(Array.from(prepareUciSplit(yacht, run({ seed: 7 })).test.y)).toEqual(Array.from(validation.test.y));
    expect(Array.from(prepareUciSplit(yacht, run({ draw: 'own' })).test.y)).not.toEqual(Array.from(validation.test.y));
  });

  it('seals a test split: every read throws until it is opened', () => {
    const seal = sealTestSplit(yacht, 'a refit run');
    expect(() => seal.data.x).toThrow(TestSplitReadError);
    expect(() => seal.data.numExamples).toThrow(/a refit run read the test split \(numExamples\) before its final evaluation/);
    expect(seal.open().numExamples).toBe(yacht.numExamples);
  });

  it('refit never reads the test split before its final evaluation', async () => {
    const log: string[] = [];
    const r = run({ phase: 'refit', protocol: 'refit', epochs: 5, refit: { from: 'k', lrDrops: [2] } });
    const split = prepareUciSplit(yacht, r);
    const [outcome] = await trainUciSplits([r], [{ train: recorded(split.train, 'train', log), validation: null, test: recorded(split.test, 'test', log) }]);
    const result = (outcome as { result: UciRunResult }).result;
    expect(result).toMatchObject({ epochs: 5, lrDrops: [2] });
    expect(result.validationRmse).toBeUndefined();
    expect(Number.isFinite(result.testRmse)).toBe(true);
    // Training reads its training rows every epoch; the test rows are read only after the last of those reads.
    expect(log.filter((w) => w === 'train').length).toBeGreaterThanOrEqual(5);
    expect(log.includes('test')).toBe(true);
    expect(log.indexOf('test')).toBeGreaterThan(log.lastIndexOf('train'));
  });

  it('a validation run records its best epoch and LR drops; the paper protocol watches the test split', async () => {
    const [validation] = await trainUciRuns([run({ epochs: 8 })], yacht);
    const result = (validation as { result: UciRunResult }).result;
    expect(result.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(result.bestEpoch).toBeLessThanOrEqual(8);
    expect(result.lrDrops).toEqual([]);
    const [paper] = await trainUciRuns([run({ epochs: 3, protocol: 'paper' })], yacht);
    expect((paper as { result: UciRunResult }).result.validationRmse).toBeCloseTo((paper as { result: UciRunResult }).result.testRmse, 5);
  });

  it('stacked refit runs of different lengths stop at their own epoch count and equal runs trained alone', async () => {
    const runs = [run({ phase: 'refit', protocol: 'refit', epochs: 3, split: 0, refit: { from: 'a', lrDrops: [] } }), run({ phase: 'refit', protocol: 'refit', epochs: 5, split: 1, refit: { from: 'b', lrDrops: [2] } })];
    const stacked = (await trainUciRuns(runs, yacht, 'all')).map((o) => (o as { result: UciRunResult }).result);
    const alone = (await trainUciRuns(runs, yacht, 'none')).map((o) => (o as { result: UciRunResult }).result);
    expect(stacked.map((r) => [r.epochs, r.stacked])).toEqual([
      [3, true],
      [5, true],
    ]);
    alone.forEach((r, k) => {
      expect(r.epochs).toBe(stacked[k]!.epochs);
      expect(Math.abs(r.testRmse - stacked[k]!.testRmse)).toBeLessThan(1e-5 * r.testRmse);
    });
  });
});
