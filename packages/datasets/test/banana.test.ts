import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '@geoparam/core';
import { BANANA, DatasetError, bananaExperiment, loadBanana, sha256, type Dataset } from '@geoparam/datasets';
import { SHARED_DATA, columnMoments, forbidNetwork, makeTempDir, removeTempDir, sharedData } from './shared-data';

forbidNetwork();

let full: Dataset;
beforeAll(async () => {
  expect(fs.existsSync(SHARED_DATA)).toBe(true);
  full = await loadBanana({ path: sharedData('banana') });
});

describe('loadBanana', () => {
  it('reads the shared CRLF file: 5300 rows, At1/At2 features, labels -1/1 as 0/1', () => {
    expect(fs.readFileSync(sharedData('banana', 'banana.csv'), 'latin1')).toContain('\r\n');
    expect(full).toMatchObject({ numExamples: BANANA.rows, numFeatures: 2, numTargets: 1, featureNames: ['At1', 'At2'], targetNames: ['Class'] });
    const zeros = full.y.filter((v) => v === 0).length;
    const ones = full.y.filter((v) => v === 1).length;
    expect([zeros, ones]).toEqual([2924, 2376]);
    // First data line: 1.14,-0.114,-1
    expect(Array.from(full.x.subarray(0, 2))).toEqual([Math.fround(1.14), Math.fround(-0.114)]);
    expect(full.y[0]).toBe(0);
  });

  it('pins the sha256 of the shared file and accepts the file path itself', async () => {
    expect(sha256(fs.readFileSync(sharedData('banana', 'banana.csv')))).toBe(BANANA.sha256);
    const direct = await loadBanana({ path: sharedData('banana', 'banana.csv') });
    expect(direct.x).toEqual(full.x);
  });

  describe('with a tampered copy', () => {
    let tmp: string;
    beforeEach(() => {
      tmp = makeTempDir();
    });
    afterEach(() => removeTempDir(tmp));

    function tampered(edit: (text: string) => string): string {
      const file = path.join(tmp, 'banana.csv');
      fs.writeFileSync(file, edit(fs.readFileSync(sharedData('banana', 'banana.csv'), 'utf8')));
      return file;
    }

    it('refuses it with a checksum error, unless verify: false', async () => {
      const file = tampered((t) => t.replace('1.14,-0.114', '1.15,-0.114'));
      const error = await loadBanana({ path: file }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetError);
      expect((error as DatasetError).file).toBe(file);
      expect((error as DatasetError).message).toMatch(new RegExp(`checksum mismatch: expected ${BANANA.sha256} .*got [0-9a-f]{64}`));
      expect((error as DatasetError).message).toContain('verify: false');
      // Also as a directory holding banana.csv.
      await expect(loadBanana({ path: tmp })).rejects.toThrow(/checksum mismatch/);
      const d = await loadBanana({ path: file, verify: false });
      expect(d.x[0]).toBe(Math.fround(1.15));
    });

    it('names the row and value of a label that is not -1 or 1', async () => {
      const file = tampered((t) => t.replace('\r\n-1.52,-1.15,1\r\n', '\r\n-1.52,-1.15,2\r\n'));
      const error = (await loadBanana({ path: file, verify: false }).catch((e: unknown) => e)) as DatasetError;
      expect(error).toBeInstanceOf(DatasetError);
      expect(error).toMatchObject({ file, row: 3, column: 'Class', value: '2' });
      expect(error.message).toBe(`${file}, row 3, column 3 ("Class"): Class must be -1 or 1, got 2`);
    });

    it('finds the upstream name 2d_banana.csv in a directory and reports a missing path', async () => {
      fs.copyFileSync(sharedData('banana', 'banana.csv'), path.join(tmp, '2d_banana.csv'));
      expect((await loadBanana({ path: tmp })).numExamples).toBe(5300);
      const missing = path.join(tmp, 'nope');
      await expect(loadBanana({ path: missing })).rejects.toThrow(`${missing}: no such file or directory`);
      const empty = path.join(tmp, 'empty');
      fs.mkdirSync(empty);
      await expect(loadBanana({ path: empty })).rejects.toThrow(`${empty}: is a directory without banana.csv or 2d_banana.csv`);
    });
  });
});

describe('bananaExperiment (Figure 3 data)', () => {
  it('subsamples 1000 points and splits 800/200', () => {
    const { train, test, validation, standardizer } = bananaExperiment(full);
    expect([train.numExamples, test.numExamples]).toEqual([800, 200]);
    expect(validation).toBeUndefined();
    expect(train.featureNames).toEqual(['At1', 'At2']);
    expect(train.y.every((v) => v === 0 || v === 1)).toBe(true);
    expect(standardizer.featureMean).toHaveLength(2);
  });

  it('standardizes with train statistics only', () => {
    const { train, test, standardizer } = bananaExperiment(full, { seed: 0 });
    const tr = columnMoments(train.x, 2);
    // float32 arithmetic on 800 points: 1e-5 is ample.
    tr.mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-5));
    tr.std.forEach((s) => expect(Math.abs(s - 1)).toBeLessThan(1e-5));
    // The test set uses the train statistics, so it is close to, but not exactly, standardized.
    const te = columnMoments(test.x, 2);
    const offness = Math.max(...te.mean.map(Math.abs), ...te.std.map((s) => Math.abs(s - 1)));
    expect(offness).toBeGreaterThan(1e-3);
    expect(offness).toBeLessThan(0.5);
    // Every test point maps back (x * std + mean) onto a point of the full set.
    const points = new Set<string>();
    for (let i = 0; i < full.numExamples; i++) points.add(`${full.x[2 * i]!.toFixed(3)},${full.x[2 * i + 1]!.toFixed(3)}`);
    for (let k = 0; k < test.numExamples; k++) {
      const a = test.x[2 * k]! * standardizer.featureStd[0]! + standardizer.featureMean[0]!;
      const b = test.x[2 * k + 1]! * standardizer.featureStd[1]! + standardizer.featureMean[1]!;
      expect(points.has(`${a.toFixed(3)},${b.toFixed(3)}`)).toBe(true);
    }
  });

  it('is seeded: the same seed gives the same sets, another seed others', () => {
    const a = bananaExperiment(full, { seed: 11 });
    const b = bananaExperiment(full, { seed: 11 });
    expect(b.train.x).toEqual(a.train.x);
    expect(b.test.y).toEqual(a.test.y);
    expect(b.standardizer.toJSON()).toEqual(a.standardizer.toJSON());
    expect(bananaExperiment(full, { seed: 12 }).train.x).not.toEqual(a.train.x);
  });

  it('carves a validation set out of the training split and fits on the rest', () => {
    const { train, validation, test } = bananaExperiment(full, { validationFraction: 0.1 });
    expect([train.numExamples, validation!.numExamples, test.numExamples]).toEqual([720, 80, 200]);
    columnMoments(train.x, 2).mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-5));
    // Same test set as without validation: the carve only touches the training split.
    expect(test.numExamples).toBe(bananaExperiment(full).test.numExamples);
  });

  it('rejects impossible options', () => {
    expect(() => bananaExperiment(full, { subsample: 6000 })).toThrow(InvalidArgumentError);
    expect(() => bananaExperiment(full, { subsample: 0 })).toThrow(InvalidArgumentError);
    expect(() => bananaExperiment(full, { validationFraction: 1 })).toThrow(InvalidArgumentError);
  });
});
