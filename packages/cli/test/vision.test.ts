import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedData } from '@geoparam/test-utils';
import { bin, run, tmp } from './helpers';

describe('geoparam reproduce vgg6 / resnet', () => {
  it('trains every Table 2 variant on a small MNIST holdout and reports top-1/top-5 per batch size', async () => {
    const dir = tmp();
    const { code, out } = await run([
      'reproduce', 'vgg6', '--dataset', 'mnist', '--data-dir', sharedData('images', 'mnist'), '--holdout', '--train-limit', '96',
      '--width', '0.03125', '--epochs', '2', '--batch-size', '32,48', '--no-figures', '--json', '--out', dir,
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ experiment: 'vgg6', model: 'VGG-6', dataset: 'mnist', backend: 'wasm' });
    // A mirrored digit is no digit: MNIST trains without random flips, and the fingerprint says so.
    expect(result.flip).toBe(false);
    expect(result.fingerprint.fields).toMatchObject({ command: 'reproduce vgg6', flip: false, data: { name: 'mnist' }, backend: 'wasm', seed: 0, epochs: 2 });
    expect(result.fingerprint.fields.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(result.runs.map((r: { fingerprint: { hash: string } }) => r.fingerprint.hash)).size).toBe(12);
    expect(result.runs).toHaveLength(12);
    for (const r of result.runs) {
      expect(r.curve.top1).toHaveLength(2);
      expect(r.top5).toBeGreaterThanOrEqual(r.top1);
      expect(r.top1).toBeGreaterThanOrEqual(0);
      expect(r.lr).toBe(r.variant.startsWith('gmp') ? 0.1 : 0.01);
    }
    expect(new Set(result.runs.map((r: { label: string }) => r.label))).toEqual(new Set(['SP', 'WN', 'WN+MBN', 'BN', 'GmP', 'GmP+IMN']));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a CIFAR ResNet with GmP+IMN from the built CLI and draws the accuracy curves', () => {
    const dir = tmp();
    const stdout = execFileSync(
      process.execPath,
      [bin, 'reproduce', 'resnet', '--depth', 'cifar', '--dataset', 'cifar10', '--data-dir', sharedData('images', 'cifar10'), '--holdout', '--train-limit', '64', '--width', '0.25', '--epochs', '2', '--batch-size', '32', '--methods', 'gmp+imn,bn', '--out', dir],
      { encoding: 'utf8' },
    );
    expect(stdout).toMatch(/CIFAR ResNet \(width ×0\.25\) on cifar10, holdout: 2000 images split 80\/20/);
    expect(stdout).toMatch(/^GmP\+IMN +\d+\.\d\d \/ \d+\.\d\d$/m);
    expect(stdout).toMatch(/inputs x\/255 - mean RGB, random horizontal flips/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'))).toMatchObject({ flip: true, fingerprint: { fields: { flip: true, depth: 'cifar' } } });
    expect(fs.readFileSync(path.join(dir, 'resnet-curves.svg'), 'utf8')).toMatch(/^<svg/);
    expect(fs.readFileSync(path.join(dir, 'resnet-curves.png')).subarray(1, 4).toString()).toBe('PNG');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names bad variants', async () => {
    const { code, err } = await run(['reproduce', 'vgg6', '--methods', 'sp,ln', '--dataset', 'mnist', '--data-dir', sharedData('images', 'mnist'), '--holdout', '--epochs', '1']);
    expect(code).toBe(2);
    expect(err).toMatch(/unknown variant "ln"; known: sp, wn, wn\+mbn, bn, gmp, gmp\+imn/);
  });
});
