import {
  assertSameFingerprint,
  assertSeed,
  buildId,
  canonicalJson,
  deriveSeed,
  fingerprint,
  fingerprintDifferences,
  fingerprintFrom,
  FingerprintMismatchError,
  GeoparamError,
  InvalidArgumentError,
  MAX_SEED,
  sha256Hex,
  sha256HexOfValues,
} from '@geoparam/core';
import { readFileSync } from 'node:fs';
import path from 'node:path';

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vectors', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('hashes the bytes of typed-array values, so one changed value changes the hash', () => {
    const a = new Float32Array([1, 2, 3]);
    const b = new Float32Array([1, 2, 3.0000002]);
    expect(sha256HexOfValues(a)).toBe(sha256Hex(new Uint8Array(a.buffer)));
    expect(sha256HexOfValues(b)).not.toBe(sha256HexOfValues(a));
    // A view hashes only its own bytes.
    expect(sha256HexOfValues(new Float32Array([9, 1, 2, 3]).subarray(1))).toBe(sha256HexOfValues(a));
  });
});

describe('fingerprint', () => {
  it('is stable across key order, nested too, and has no whitespace in its canonical form', () => {
    const a = fingerprint({ seed: 0, method: { name: 'geometric', lr: 0.1 }, epochs: 10 });
    const b = fingerprint({ epochs: 10, method: { lr: 0.1, name: 'geometric' }, seed: 0 });
    expect(b.hash).toBe(a.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: [1, { d: null, c: true }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":true,"d":null}]}');
    expect(a.hash).toBe(sha256Hex('{"epochs":10,"method":{"lr":0.1,"name":"geometric"},"seed":0}'));
  });

  it('changes with any value, including array order and types', () => {
    const base = fingerprint({ seed: 0, data: [1, 2] });
    expect(fingerprint({ seed: 1, data: [1, 2] }).hash).not.toBe(base.hash);
    expect(fingerprint({ seed: 0, data: [2, 1] }).hash).not.toBe(base.hash);
    expect(fingerprint({ seed: '0', data: [1, 2] }).hash).not.toBe(base.hash);
  });

  it('keeps a frozen copy of its fields, unaffected by later changes to the caller\'s object', () => {
    const fields = { seed: 0, nested: { lr: 0.1 } };
    const fp = fingerprint(fields);
    fields.nested.lr = 0.5;
    expect(fp.fields).toEqual({ seed: 0, nested: { lr: 0.1 } });
    expect(Object.isFrozen(fp.fields['nested'])).toBe(true);
  });

  it('rejects non-finite numbers and non-JSON values, naming the path', () => {
    expect(() => fingerprint({ lr: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => fingerprint({ method: { lr: Infinity } })).toThrow(/fingerprint\.method\.lr must be a finite number, got Infinity/);
    expect(() => fingerprint({ seeds: [0, Number.NaN] })).toThrow(/fingerprint\.seeds\[1\]/);
    expect(() => fingerprint({ when: new Date(0) as never })).toThrow(/fingerprint\.when/);
    expect(() => fingerprint({ missing: undefined as never })).toThrow(/fingerprint\.missing/);
  });

  it('reads back from JSON, and a stored fingerprint whose hash does not match its fields is no fingerprint', () => {
    const fp = fingerprint({ seed: 3, backend: 'wasm' });
    const read = fingerprintFrom(JSON.parse(JSON.stringify({ ...fp })));
    expect(read).toEqual(fp);
    expect(fingerprintFrom({ hash: fp.hash, fields: { seed: 4, backend: 'wasm' } })).toBeUndefined();
    expect(fingerprintFrom({ hash: fp.hash })).toBeUndefined();
    expect(fingerprintFrom({ hash: fp.hash, fields: { seed: null, x: [1] }, extra: 1 })).toBeUndefined();
    expect(fingerprintFrom(undefined)).toBeUndefined();
    expect(fingerprintFrom('abc')).toBeUndefined();
  });
});

describe('fingerprintDifferences and assertSameFingerprint', () => {
  const stored = fingerprint({ command: 'levy', seed: 0, epochs: 100, method: { name: 'geometric', lr: 0.1 } });

  it('lists every differing field, sorted, with both values; a field on one side only counts', () => {
    const current = fingerprint({ command: 'levy', seed: 1, epochs: 100, method: { name: 'geometric', lr: 0.01 }, backend: 'cpu' });
    expect(fingerprintDifferences(stored, current)).toEqual([
      { field: 'backend', stored: undefined, current: 'cpu' },
      { field: 'method', stored: { name: 'geometric', lr: 0.1 }, current: { name: 'geometric', lr: 0.01 } },
      { field: 'seed', stored: 0, current: 1 },
    ]);
    expect(fingerprintDifferences(stored, fingerprint({ ...stored.fields }))).toEqual([]);
  });

  it('passes for an equal fingerprint built in another key order', () => {
    const same = fingerprint({ method: { lr: 0.1, name: 'geometric' }, epochs: 100, seed: 0, command: 'levy' });
    expect(() => assertSameFingerprint(stored, same, 'checkpoint runs/levy', 'delete runs/levy')).not.toThrow();
  });

  it('names the differing fields, their values and how to start over', () => {
    const current = fingerprint({ ...stored.fields, seed: 1 });
    let error: unknown;
    try {
      assertSameFingerprint(stored, current, 'checkpoint runs/levy/gmp', 'delete runs/levy/gmp or drop --resume');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FingerprintMismatchError);
    expect(error).toBeInstanceOf(GeoparamError);
    const mismatch = error as FingerprintMismatchError;
    expect(mismatch.code).toBe('FINGERPRINT_MISMATCH');
    expect(mismatch.differences).toEqual([{ field: 'seed', stored: 0, current: 1 }]);
    expect(mismatch.message).toBe(
      'checkpoint runs/levy/gmp was made with other settings: seed 0 there, 1 now. ' +
        'To start over: delete runs/levy/gmp or drop --resume',
    );
  });

  it('names the nested field that differs inside an object-valued field', () => {
    const a = fingerprint({ data: { name: 'banana', sha256: 'aa' }, method: { name: 'geometric', lr: 0.1 } });
    const b = fingerprint({ data: { name: 'banana', sha256: 'bb' }, method: { name: 'geometric', lr: 0.1 } });
    expect(() => assertSameFingerprint(a, b, 'partial results p.json', 'delete out')).toThrow(
      'partial results p.json was made with other settings: data.sha256 "aa" there, "bb" now. To start over: delete out',
    );
  });

    it('treats a missing stored fingerprint as a mismatch', () => {
    expect(() => assertSameFingerprint(undefined, stored, 'partial.json in out/', 'delete out/partial.json')).toThrow(
      /^partial\.json in out\/ has no valid fingerprint.*To start over: delete out\/partial\.json$/,
    );
  });

  it('treats a stored hash that disagrees with equal fields as a mismatch', () => {
    const forged = { hash: '0'.repeat(64), fields: stored.fields };
    expect(() => assertSameFingerprint(forged, stored, 'checkpoint c', 'delete c')).toThrow(FingerprintMismatchError);
  });
});

describe('seeds', () => {
  it('assertSeed accepts integers in [0, 2^31 - 1] and names anything else', () => {
    expect(() => assertSeed('--seed', 0)).not.toThrow();
    expect(() => assertSeed('--seed', MAX_SEED)).not.toThrow();
    for (const bad of [-1, 1.5, MAX_SEED + 1, Number.NaN, '1']) {
      expect(() => assertSeed('--seed', bad)).toThrow(InvalidArgumentError);
    }
    expect(() => assertSeed('--seed', 1.5)).toThrow(/--seed must be an integer seed in \[0, 2147483647\], got 1\.5/);
  });

  it('deriveSeed is deterministic, in range for every base (where seed * 1000 + split would wrap), and distinct per part', () => {
    expect(deriveSeed(7, 'split', 3)).toBe(deriveSeed(7, 'split', 3));
    const seeds = new Set<number>();
    for (const base of [0, 1, 2147484, MAX_SEED]) {
      // The arithmetic derivation leaves the 31-bit range here: 2147484 * 1000 > 2^31 - 1.
      for (let split = 0; split < 10; split++) {
        const s = deriveSeed(base, 'split', split);
        expect(Number.isInteger(s)).toBe(true);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(MAX_SEED);
        seeds.add(s);
      }
    }
    expect(seeds.size).toBe(40);
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(0, 1000));
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(1, '2'));
  });

  it('deriveSeed rejects a base outside the seed range and fractional parts', () => {
    expect(() => deriveSeed(-1, 0)).toThrow(/seed must be an integer seed/);
    expect(() => deriveSeed(MAX_SEED + 1, 0)).toThrow(InvalidArgumentError);
    expect(() => deriveSeed(0, 0.5)).toThrow(/seed part 0 must be a safe integer or a string, got 0\.5/);
  });
});

describe('buildId', () => {
  const version = (JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8')) as { version: string }).version;
  const saved = process.env['GEOPARAM_BUILD_COMMIT'];
  afterEach(() => {
    if (saved === undefined) delete process.env['GEOPARAM_BUILD_COMMIT'];
    else process.env['GEOPARAM_BUILD_COMMIT'] = saved;
    delete (globalThis as { GEOPARAM_BUILD_COMMIT?: string }).GEOPARAM_BUILD_COMMIT;
  });

  it('is the version alone when no commit is known', () => {
    delete process.env['GEOPARAM_BUILD_COMMIT'];
    expect(buildId()).toBe(version);
  });

  it('adds the commit from the environment, or from a global a bundler defines', () => {
    process.env['GEOPARAM_BUILD_COMMIT'] = ' 0123abc\n';
    expect(buildId()).toBe(`${version}+0123abc`);
    delete process.env['GEOPARAM_BUILD_COMMIT'];
    (globalThis as { GEOPARAM_BUILD_COMMIT?: string }).GEOPARAM_BUILD_COMMIT = 'fedcba9';
    expect(buildId()).toBe(`${version}+fedcba9`);
  });
});
