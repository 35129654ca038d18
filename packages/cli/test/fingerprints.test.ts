import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import '@geoparam/backend-cpu/register';
import { FingerprintMismatchError, useBackend, type Fingerprint } from '@geoparam/core';
import { mlp } from '@geoparam/models';
import { fit } from '@geoparam/trainer';
import { checkoutCommit } from '../src/build-commit';
import { assertCheckpointMatches, checkpointFingerprint, dataIdentity, methodFingerprint, readPartial, runFingerprint } from '../src/experiments/fingerprints';
import { tmp } from './helpers';

const fields = { command: 'reproduce banana', seed: 0, epochs: 50, protocol: 'validation', stabilitySteps: 10, backend: 'wasm' };

describe('fingerprints of CLI runs', () => {
  it('identifies data by its values, not its name', () => {
    const a = dataIdentity('banana', Float32Array.from([1, 2, 3]), Float32Array.from([0, 1, 0]));
    expect(dataIdentity('banana', Float32Array.from([1, 2, 3]), Float32Array.from([0, 1, 0]))).toEqual(a);
    expect(dataIdentity('banana', Float32Array.from([1, 2, 3.5]), Float32Array.from([0, 1, 0])).sha256).not.toBe(a.sha256);
    // Moving a value from one array to the next is other data.
    expect(dataIdentity('banana', Float32Array.from([1, 2]), Float32Array.from([3, 0, 1, 0])).sha256).not.toBe(a.sha256);
  });

  it('refuses partial results of other data, naming the field and how to start over', () => {
    const dir = tmp();
    const file = path.join(dir, 'partial.json');
    const stored = runFingerprint({ ...fields, data: dataIdentity('banana', Float32Array.from([1, 2, 3])) });
    const current = runFingerprint({ ...fields, data: dataIdentity('banana', Float32Array.from([1, 2, 4])) });
    fs.writeFileSync(file, JSON.stringify({ fingerprint: stored, methods: [] }));
    expect(() => readPartial(file, current, [], dir)).toThrow(FingerprintMismatchError);
    expect(() => readPartial(file, current, [], dir)).toThrow(new RegExp(`^partial results ${file} was made with other settings: data\\.sha256 "[0-9a-f]{64}" there, "[0-9a-f]{64}" now\\. To start over: delete ${dir} or drop --resume$`));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a partial.json without a fingerprint (written before fingerprints existed)', () => {
    const dir = tmp();
    const file = path.join(dir, 'partial.json');
    fs.writeFileSync(file, JSON.stringify({ experiment: 'banana', seed: 0, protocol: 'validation', epochs: 50, methods: [{ method: 'standard' }] }));
    expect(() => readPartial(file, runFingerprint({ ...fields, data: null }), [], dir)).toThrow(/has no valid fingerprint/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reuses exactly the finished methods whose fingerprint this run would compute', () => {
    const dir = tmp();
    const file = path.join(dir, 'partial.json');
    const run = runFingerprint({ ...fields, data: null });
    const sp = methodFingerprint(run, 'standard', 0.01);
    const gmpOtherRate = methodFingerprint(run, 'geometric', 0.3);
    fs.writeFileSync(file, JSON.stringify({ fingerprint: run, methods: [{ method: 'standard', fingerprint: sp }, { method: 'geometric', fingerprint: gmpOtherRate }] }));
    const wanted = [sp, methodFingerprint(run, 'geometric', 0.1)];
    expect(readPartial<{ method: string; fingerprint: Fingerprint }>(file, run, wanted, dir).map((m) => m.method)).toEqual(['standard']);
    expect(readPartial(path.join(dir, 'absent.json'), run, wanted, dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resumes a checkpoint only under the fingerprint fit stamped it with; one without a fingerprint is refused', async () => {
    await useBackend('cpu');
    const dir = tmp();
    const checkpoint = path.join(dir, 'checkpoint');
    const run = (seed: number) => methodFingerprint(runFingerprint({ ...fields, seed, data: null }), 'geometric', 0.1);
    // An interrupted fit: it writes its checkpoint after the batch in progress, stamped with run(0).
    const interrupt = new AbortController();
    interrupt.abort();
    const model = mlp({ inputDim: 1, hidden: [4], parameterization: 'geometric', seed: 0 });
    const train = { x: Float32Array.from([0, 1, 2, 3]), y: Float32Array.from([1, 0, 1, 0]), numExamples: 4, numFeatures: 1, numTargets: 1 };
    const history = await fit(model, { train }, { epochs: 2, batchSize: 2, loss: 'mse', optimizer: { name: 'adam', learningRate: 0.1 }, fingerprint: run(0), checkpointDir: checkpoint, signal: interrupt.signal, handleSigint: false });
    model.dispose();
    expect(history.stopReason).toBe('interrupted');
    expect(checkpointFingerprint(checkpoint)).toEqual(run(0));
    expect(() => assertCheckpointMatches(checkpoint, run(0))).not.toThrow();
    expect(() => assertCheckpointMatches(checkpoint, run(1))).toThrow(`checkpoint ${checkpoint} was made with other settings: seed 0 there, 1 now. To start over: delete ${checkpoint} or drop --resume`);
    // A checkpoint of a geoparam without fingerprints, or none at all.
    const stateFile = path.join(checkpoint, 'training.json');
    const { fingerprint: _dropped, ...unstamped } = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(stateFile, JSON.stringify(unstamped));
    expect(() => assertCheckpointMatches(checkpoint, run(0))).toThrow(/has no valid fingerprint/);
    expect(() => assertCheckpointMatches(path.join(dir, 'absent'), run(0))).toThrow(/has no valid fingerprint/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('checkoutCommit (the commit buildId reports for a CLI run from a checkout)', () => {
  it('is the checkout\'s commit, marked -dirty when tracked files changed', () => {
    const expected = execFileSync('git', ['-C', __dirname, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(checkoutCommit(__dirname)).toMatch(new RegExp(`^${expected}(-dirty)?$`));
  });

  it('is unknown for a package installed under node_modules and outside any git checkout', () => {
    expect(checkoutCommit(path.dirname(require.resolve('commander')))).toBeUndefined();
    const outside = tmp();
    expect(checkoutCommit(outside)).toBeUndefined();
    fs.rmSync(outside, { recursive: true, force: true });
  });
});
