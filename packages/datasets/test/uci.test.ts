import fs from 'node:fs';
import path from 'node:path';
import { UnknownNameError } from '@geoparam/core';
import { DatasetError, UCI_DATASETS, UCI_PAPER_DATASETS, loadUci } from '@geoparam/datasets';
import { makeTempDir, removeTempDir, sharedData } from './shared-data';

describe('UCI loaders', () => {
  it.each(Object.keys(UCI_DATASETS))('loads %s from a local directory with its pinned checksum', async (name) => {
    const spec = UCI_DATASETS[name]!;
    const data = await loadUci(name, { path: sharedData('uci') });
    expect(data.numExamples).toBe(spec.rows);
    expect(data.numFeatures).toBe(spec.features);
    expect(data.numTargets).toBe(1);
    expect(data.targetNames).toEqual([spec.target]);
  });

  it('knows the seven sets of Table 1 and the "wine" alias', async () => {
    expect(UCI_PAPER_DATASETS).toEqual(['boston', 'concrete', 'energy', 'naval', 'power', 'wine-red', 'yacht']);
    expect((await loadUci('wine', { path: sharedData('uci') })).numExamples).toBe(1599);
    await expect(loadUci('iris', { path: sharedData('uci') })).rejects.toThrow(UnknownNameError);
  });

  it('refuses a modified copy unless told not to verify', async () => {
    const dir = makeTempDir();
    try {
      const text = fs.readFileSync(sharedData('uci', 'yacht.csv'), 'utf8').replace(/\n[^\n]*\n$/, '\n');
      fs.writeFileSync(path.join(dir, 'yacht.csv'), text);
      await expect(loadUci('yacht', { path: dir })).rejects.toThrow(/checksum mismatch: expected 98c0637e/);
      expect((await loadUci('yacht', { path: dir, verify: false })).numExamples).toBe(307);
    } finally {
      removeTempDir(dir);
    }
  });

  it('says where to put the file when there is no local copy (nothing to download from)', async () => {
    const dir = makeTempDir();
    try {
      const error = await loadUci('concrete', { cacheDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetError);
      expect((error as Error).message).toMatch(/concrete: no local copy\. Pass the directory or file of concrete\.csv/);
      expect((error as Error).message).toMatch(/Concrete_Data\.xls/);
      fs.copyFileSync(sharedData('uci', 'concrete.csv'), path.join(dir, 'concrete.csv'));
      expect((await loadUci('concrete', { cacheDir: dir })).numExamples).toBe(1030);
    } finally {
      removeTempDir(dir);
    }
  });
});
