import fs from 'node:fs';
import path from 'node:path';
import { UnknownNameError } from '@geoparam/core';
import { DatasetError, UCI_DATASETS, UCI_PAPER_DATASETS, loadUci } from '@geoparam/datasets';
import { fakeFetch, makeTempDir, removeTempDir, sharedData } from './shared-data';

/** The shared CSV rewritten the way the upstream text copy looks: whitespace, %.7e-style numbers, no header. */
function upstreamText(name: string, extraColumn = false): Uint8Array {
  const rows = fs.readFileSync(sharedData('uci', `${name}.csv`), 'utf8').trim().split('\n').slice(1);
  const text = rows.map((r) => r.split(',').map((v) => Number(v).toExponential(16)).concat(extraColumn ? ['9.9e-1'] : []).join('   ')).join('\n');
  return new TextEncoder().encode(text + '\n');
}

describe('UCI loaders', () => {
  it.each(Object.keys(UCI_DATASETS))('loads %s from a local directory and checks its values', async (name) => {
    const spec = UCI_DATASETS[name]!;
    const data = await loadUci(name, { path: sharedData('uci') });
    expect(data.numExamples).toBe(spec.rows);
    expect(data.numFeatures).toBe(spec.features);
    expect(data.numTargets).toBe(1);
    expect(data.targetNames).toEqual([spec.columns[spec.columns.length - 1]]);
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
      await expect(loadUci('yacht', { path: dir })).rejects.toThrow(/checksum mismatch: the values of yacht\.csv should hash to ec08588637/);
      expect((await loadUci('yacht', { path: dir, verify: false })).numExamples).toBe(307);
    } finally {
      removeTempDir(dir);
    }
  });

  it('downloads the upstream text copy, keeps the paper’s columns, checks the values and caches a CSV', async () => {
    const dir = makeTempDir();
    try {
      // naval upstream has an 18th column (turbine decay) that the paper drops.
      const served = fakeFetch(upstreamText('naval', true));
      const data = await loadUci('naval', { cacheDir: dir, fetch: served.fetch });
      expect(served.calls).toEqual([UCI_DATASETS['naval']!.download!.url]);
      expect(data.numExamples).toBe(11934);
      expect(data.numFeatures).toBe(16);
      const reference = await loadUci('naval', { path: sharedData('uci') });
      expect(Array.from(data.y)).toEqual(Array.from(reference.y));
      // Served from the cache the second time.
      const again = fakeFetch(new Uint8Array());
      await loadUci('naval', { cacheDir: dir, fetch: again.fetch });
      expect(again.calls).toHaveLength(0);
      // A corrupt cache copy is replaced by a fresh, checked download.
      fs.writeFileSync(path.join(dir, 'naval.csv'), 'lp\n1\n');
      const refetch = fakeFetch(upstreamText('naval', true));
      expect((await loadUci('naval', { cacheDir: dir, fetch: refetch.fetch })).numExamples).toBe(11934);
      expect(refetch.calls).toHaveLength(1);
    } finally {
      removeTempDir(dir);
    }
  });

  it('refuses a download whose values differ, and leaves nothing in the cache', async () => {
    const dir = makeTempDir();
    try {
      const bytes = upstreamText('yacht');
      const text = new TextDecoder().decode(bytes).replace(/^(\S+)/, '0.123');
      await expect(loadUci('yacht', { cacheDir: dir, fetch: fakeFetch(new TextEncoder().encode(text)).fetch })).rejects.toThrow(/checksum mismatch/);
      expect(fs.existsSync(path.join(dir, 'yacht.csv'))).toBe(false);
      await expect(loadUci('yacht', { cacheDir: dir, fetch: fakeFetch(new Uint8Array(), { status: 404 }).fetch })).rejects.toThrow(/download of .* failed: HTTP 404/);
      await expect(loadUci('yacht', { cacheDir: dir, offline: true })).rejects.toThrow(/downloads are off/);
    } finally {
      removeTempDir(dir);
    }
  });

  it('says how to supply the sets that exist upstream only as spreadsheets', async () => {
    const dir = makeTempDir();
    try {
      const error = await loadUci('concrete', { cacheDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetError);
      expect((error as Error).message).toMatch(/concrete: no local copy, and upstream has it only as a spreadsheet \(.*Concrete_Data\.xls\)/);
      fs.copyFileSync(sharedData('uci', 'concrete.csv'), path.join(dir, 'concrete.csv'));
      expect((await loadUci('concrete', { cacheDir: dir })).numExamples).toBe(1030);
    } finally {
      removeTempDir(dir);
    }
  });
});
