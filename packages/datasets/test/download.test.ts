import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from '@geoparam/core';
import { BANANA, DatasetError, defaultCacheDir, fetchVerified, loadBanana, sha256 } from '@geoparam/datasets';
import { fakeFetch, forbidNetwork, makeTempDir, noNetwork, removeTempDir, sharedData, withEnv } from './shared-data';

forbidNetwork();

const bananaBytes = () => new Uint8Array(fs.readFileSync(sharedData('banana', 'banana.csv')));
const request = (cacheDir: string, fetchImpl: typeof fetch) => ({
  url: BANANA.url,
  sha256: BANANA.sha256,
  cacheDir,
  fileName: BANANA.fileName,
  fetch: fetchImpl,
});

let tmp: string;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => removeTempDir(tmp));

describe('sha256', () => {
  it('hashes bytes to lower-case hex', () => {
    expect(sha256(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('fetchVerified', () => {
  it('downloads into the cache, then serves the cache without fetching', async () => {
    const cacheDir = path.join(tmp, 'nested', 'cache');
    const server = fakeFetch(bananaBytes());
    const file = await fetchVerified(request(cacheDir, server.fetch));
    expect(file).toBe(path.join(cacheDir, 'banana.csv'));
    expect(server.calls).toEqual([BANANA.url]);
    expect(sha256(fs.readFileSync(file))).toBe(BANANA.sha256);
    expect(fs.readdirSync(cacheDir)).toEqual(['banana.csv']); // no temporary files left

    expect(await fetchVerified(request(cacheDir, server.fetch))).toBe(file);
    expect(server.calls).toHaveLength(1);
  });

  it('re-downloads a corrupt cached file', async () => {
    fs.writeFileSync(path.join(tmp, 'banana.csv'), 'At1,At2,Class\r\n0,0,1\r\n');
    const server = fakeFetch(bananaBytes());
    const file = await fetchVerified(request(tmp, server.fetch));
    expect(server.calls).toHaveLength(1);
    expect(sha256(fs.readFileSync(file))).toBe(BANANA.sha256);
  });

  it('rejects a download with the wrong checksum and leaves nothing in the cache', async () => {
    const bad = bananaBytes();
    bad[20] = bad[20]! ^ 1;
    const server = fakeFetch(bad);
    const error = (await fetchVerified(request(tmp, server.fetch)).catch((e: unknown) => e)) as DatasetError;
    expect(error).toBeInstanceOf(DatasetError);
    expect(error.message).toMatch(new RegExp(`checksum mismatch for the download of ${BANANA.url.replace(/[.]/g, '\\.')}: expected ${BANANA.sha256}, got ${sha256(bad)}`));
    expect(error.file).toBe(path.join(tmp, 'banana.csv'));
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('reports HTTP errors and network failures as DatasetError', async () => {
    await expect(fetchVerified(request(tmp, fakeFetch(new Uint8Array(0), { status: 404, statusText: 'Not Found' }).fetch))).rejects.toThrow(
      `download of ${BANANA.url} failed: HTTP 404 Not Found`,
    );
    await expect(fetchVerified(request(tmp, noNetwork))).rejects.toThrow(DatasetError);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('offline: a missing cache is an error that says where to put the file', async () => {
    const error = (await fetchVerified({ ...request(tmp, noNetwork), offline: true }).catch((e: unknown) => e)) as DatasetError;
    expect(error).toBeInstanceOf(DatasetError);
    expect(error.message).toContain('banana.csv is not in the cache and downloads are off');
    expect(error.message).toContain(`Download ${BANANA.url} and save it as ${path.join(tmp, 'banana.csv')}`);
  });

  it('checks its arguments', async () => {
    await expect(fetchVerified({ ...request(tmp, noNetwork), fileName: '../escape.csv' })).rejects.toThrow(InvalidArgumentError);
    await expect(fetchVerified({ ...request(tmp, noNetwork), sha256: 'abc' })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('loader sources', () => {
  it('loadBanana downloads from the canonical URL into cacheDir, then reads the cache', async () => {
    const server = fakeFetch(bananaBytes());
    const d = await loadBanana({ cacheDir: tmp, fetch: server.fetch });
    expect(d.numExamples).toBe(5300);
    expect(server.calls).toEqual([BANANA.url]);
    expect((await loadBanana({ cacheDir: tmp, fetch: noNetwork, offline: true })).numExamples).toBe(5300);
  });

  it('offline: true or GEOPARAM_OFFLINE=1 turns a missing cache into a clear error', async () => {
    const expected = `Download ${BANANA.url} and save it as ${path.join(tmp, 'banana.csv')}, or pass { path } pointing at a copy.`;
    await expect(loadBanana({ cacheDir: tmp, offline: true, fetch: noNetwork })).rejects.toThrow(expected);
    await withEnv({ GEOPARAM_OFFLINE: '1', GEOPARAM_CACHE_DIR: tmp }, async () => {
      await expect(loadBanana({ fetch: noNetwork })).rejects.toThrow(expected);
      // Cached, it works offline; a corrupt cache is named as such.
      fs.copyFileSync(sharedData('banana', 'banana.csv'), path.join(tmp, 'banana.csv'));
      expect((await loadBanana()).numExamples).toBe(5300);
      fs.writeFileSync(path.join(tmp, 'banana.csv'), 'x');
      await expect(loadBanana()).rejects.toThrow(/the cached banana\.csv is corrupt \(checksum mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}\)/);
    });
  });

  it('defaultCacheDir: $GEOPARAM_CACHE_DIR, else ~/.cache/geoparam', async () => {
    await withEnv({ GEOPARAM_CACHE_DIR: tmp }, () => expect(defaultCacheDir()).toBe(tmp));
    await withEnv({ GEOPARAM_CACHE_DIR: undefined }, () => expect(defaultCacheDir()).toBe(path.join(os.homedir(), '.cache', 'geoparam')));
  });
});
