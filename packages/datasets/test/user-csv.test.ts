import fs from 'node:fs';
import path from 'node:path';
import { DatasetError, Standardizer, loadCsv, trainTestSplit } from '@geoparam/datasets';
import { SHARED_DATA, columnMoments, makeTempDir, removeTempDir, sharedData } from './shared-data';

// shared/data/README.md: rows, features, target mean and population std.
const UCI = [
  ['boston', 506, 13, 'MEDV', 22.5328, 9.18801],
  ['concrete', 1030, 8, 'Concrete_compressive_strength', 35.8178, 16.6976],
  ['energy', 768, 8, 'Y1', 22.3072, 10.0836],
  ['kin8nm', 8192, 8, 'y', 0.714283, 0.263591],
  ['naval', 11934, 16, 'kMc', 0.975, 0.0147196],
  ['power', 9568, 4, 'PE', 454.365, 17.0661],
  ['protein', 45730, 9, 'RMSD', 7.74853, 6.11824],
  ['wine-red', 1599, 11, 'quality', 5.63602, 0.807317],
  ['yacht', 308, 6, 'Rr', 10.4954, 15.1359],
] as const;

describe('loadCsv on real files', () => {
  it('finds the shared data', () => {
    expect(fs.existsSync(SHARED_DATA)).toBe(true);
  });

  it.each(UCI)('%s: %i rows, %i features, target %s', async (name, rows, features, target, mean, std) => {
    const d = await loadCsv({ path: sharedData('uci', `${name}.csv`) });
    expect(d).toMatchObject({ numExamples: rows, numFeatures: features, numTargets: 1, targetNames: [target] });
    const m = columnMoments(d.y, 1);
    // The README prints 6 significant digits; float32 storage adds ~1e-7 relative.
    expect(Math.abs(m.mean[0]! - mean)).toBeLessThan(1e-5 * Math.abs(mean) + 1e-5);
    expect(Math.abs(m.std[0]! - std)).toBeLessThan(1e-5 * std + 1e-6);
  });

  it('naval: the constant columns T1 and P1 standardize to 0, not NaN', async () => {
    const d = await loadCsv({ path: sharedData('uci', 'naval.csv') });
    const s = Standardizer.fit(d);
    const z = s.transform(d);
    expect(z.x.every(Number.isFinite)).toBe(true);
    for (const name of ['T1', 'P1']) {
      const c = d.featureNames!.indexOf(name);
      expect(s.featureStd[c]).toBe(1);
      const column = Array.from({ length: d.numExamples }, (_, i) => z.x[i * d.numFeatures + c]);
      expect(column.filter((v) => v !== 0)).toEqual([]);
    }
  });

  it('a user pipeline: own CSV, target by name, split, standardize features and targets, invert', async () => {
    const d = await loadCsv({ path: sharedData('uci', 'energy.csv'), targetColumn: 'X1' });
    expect(d.targetNames).toEqual(['X1']);
    expect(d.featureNames).toEqual(['X2', 'X3', 'X4', 'X5', 'X6', 'X7', 'X8', 'Y1']);
    const { train, test } = trainTestSplit(d, { testFraction: 0.2, seed: 0 });
    const s = Standardizer.fit(train, { targets: true });
    const zTrain = s.transform(train);
    expect(Math.abs(columnMoments(zTrain.y, 1).mean[0]!)).toBeLessThan(1e-5);
    const back = s.inverseTransformTargets(s.transform(test).y);
    test.y.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 5));
  });

  describe('errors', () => {
    let tmp: string;
    beforeEach(() => {
      tmp = makeTempDir();
    });
    afterEach(() => removeTempDir(tmp));

    it('names the file for a missing path and for bad content', async () => {
      const missing = path.join(tmp, 'missing.csv');
      await expect(loadCsv({ path: missing })).rejects.toThrow(`${missing}: no such file`);
      const file = path.join(tmp, 'mine.csv');
      fs.writeFileSync(file, 'a,b\r\n1,2\r\n3,oops\r\n');
      const error = (await loadCsv({ path: file }).catch((e: unknown) => e)) as DatasetError;
      expect(error).toBeInstanceOf(DatasetError);
      expect(error.message).toBe(`${file}, row 3, column 2 ("b"): not a number: "oops"`);
    });
  });
});
