import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '@geoparam/cli';
import { sharedData } from '@geoparam/test-utils';
import { bin, run, tmp } from './helpers';

const TINY = ['reproduce', 'vgg6', '--dataset', 'mnist', '--data-dir', sharedData('images', 'mnist'), '--holdout', '--width', '0.03125', '--batch-size', '32', '--no-figures', '--json'];

interface Run {
  variant: string;
  seed: number;
  top1: number;
  top5: number;
  epochs: number;
  curve: unknown;
}

/** What must not depend on whether a run was interrupted: everything but the wall times. */
function outcome(runs: Run[]) {
  return runs.map((r) => ({ variant: r.variant, seed: r.seed, top1: r.top1, top5: r.top5, epochs: r.epochs, curve: r.curve }));
}

describe('geoparam reproduce vgg6 / resnet', () => {
  it('trains every Table 2 variant on a small MNIST holdout and reports top-1/top-5 per batch size', async () => {
    const dir = tmp();
    const { code, out } = await run([
      'reproduce', 'vgg6', '--dataset', 'mnist', '--data-dir', sharedData('images', 'mnist'), '--holdout', '--train-limit', '96',
      '--width', '0.03125', '--epochs', '2', '--batch-size', '32,48', '--seeds', '1', '--no-figures', '--json', '--out', dir,
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ experiment: 'vgg6', model: 'VGG-6', dataset: 'mnist', backend: 'wasm' });
    // A mirrored digit is no digit: MNIST trains without random flips, and the fingerprint says so.
    expect(result.flip).toBe(false);
    expect(result.fingerprint.fields).toMatchObject({ command: 'reproduce vgg6', flip: false, data: { name: 'mnist' }, backend: 'wasm', seed: 0, seeds: 1, recalibrateStats: 20, epochs: 2 });
    expect(result.recalibrateStats).toBe(20);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).settings).toMatchObject({ recalibrateStats: 20, seeds: 1, initSeeds: [0] });
    // Finished: nothing left to resume.
    expect(fs.existsSync(path.join(dir, 'partial.json'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'checkpoint'))).toBe(false);
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
    // Twelve runs: about 30 s on a quiet 2-core machine.
  }, 180_000);

  it('runs a CIFAR ResNet with GmP+IMN from the built CLI and draws the accuracy curves', () => {
    const dir = tmp();
    const stdout = execFileSync(
      process.execPath,
      [bin, 'reproduce', 'resnet', '--depth', 'cifar', '--dataset', 'cifar10', '--data-dir', sharedData('images', 'cifar10'), '--holdout', '--train-limit', '64', '--width', '0.25', '--epochs', '2', '--batch-size', '32', '--methods', 'gmp+imn,bn', '--seeds', '1', '--out', dir],
      { encoding: 'utf8' },
    );
    expect(stdout).toMatch(/CIFAR ResNet \(width ×0\.25\) on cifar10, holdout: 2000 images split 80\/20/);
    expect(stdout).toMatch(/^GmP\+IMN +\d+\.\d\d ± 0\.00 \/ \d+\.\d\d ± 0\.00$/m);
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

  it('--seeds N trains initializations S…S+N−1 per variant and reports mean ± s.e. over them', async () => {
    const dir = tmp();
    const { code, out } = await run([...TINY, '--train-limit', '64', '--epochs', '1', '--methods', 'sp,bn', '--seeds', '2', '--seed', '3', '--recalibrate-stats', '1', '--out', dir]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.initSeeds).toEqual([3, 4]);
    expect(result.fingerprint.fields).toMatchObject({ seed: 3, seeds: 2, recalibrateStats: 1 });
    expect(result.runs.map((r: Run) => [r.variant, r.seed])).toEqual([['sp', 3], ['sp', 4], ['bn', 3], ['bn', 4]]);
    const bn = result.summary[0].variants.bn;
    const top1 = result.runs.filter((r: Run) => r.variant === 'bn').map((r: Run) => 100 * r.top1);
    expect(bn.top1.n).toBe(2);
    expect(bn.top1.mean).toBeCloseTo((top1[0] + top1[1]) / 2, 10);
    expect(bn.top1.se).toBeCloseTo(Math.abs(top1[0] - top1[1]) / 2, 10);
    expect(bn.top1DifferenceToStandard.pairs).toEqual(['3', '4']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM keeps finished runs and a fingerprinted checkpoint; --resume refuses other settings and corrupt state, and otherwise equals an uninterrupted run', async () => {
    const args = [...TINY, '--train-limit', '256', '--epochs', '2', '--methods', 'sp,bn', '--seeds', '1', '--recalibrate-stats', '2'];
    const straight = tmp();
    const uninterrupted = await run([...args, '--out', straight]);
    expect(uninterrupted.code).toBe(0);

    // Interrupted while the second run trains: the signal comes once the first run has reported.
    const err: string[] = [];
    const interruptedDir = tmp();
    const interrupted = await main([...args.filter((a) => a !== '--json'), '--out', interruptedDir], {
      log: (line) => {
        if (/^SP batch 32 seed 0: top-1/.test(line)) setTimeout(() => process.emit('SIGTERM', 'SIGTERM'), 0);
      },
      error: (line) => err.push(line),
    });
    expect(interrupted).toBe(130);
    expect(err.join('\n')).toMatch(/BN batch 32 seed 0: interrupted at epoch \d+, step \d+; checkpoint written to .*checkpoint; 1 of 2 runs finished .*partial\.json\); rerun the same command with --resume to continue/);
    const partial = JSON.parse(fs.readFileSync(path.join(interruptedDir, 'partial.json'), 'utf8'));
    expect(partial.methods.map((r: Run) => r.variant)).toEqual(['sp']);
    expect(JSON.parse(fs.readFileSync(path.join(interruptedDir, 'checkpoint', 'training.json'), 'utf8')).fingerprint.fields).toMatchObject({ method: 'bn', initSeed: 0, recalibrateStats: 2 });

    const copy = (change: (dir: string) => void) => {
      const other = tmp();
      fs.cpSync(interruptedDir, other, { recursive: true });
      change(other);
      return other;
    };
    // Other settings: the partial results are refused, naming the setting.
    const epochs = await run([...args, '--epochs', '3', '--resume', '--out', interruptedDir]);
    expect(epochs.code).toBe(4);
    expect(epochs.err).toMatch(/partial results .*partial\.json.*epochs.*delete .* or drop --resume/s);
    // A checkpoint of a run this command does not make (another learning rate) is refused.
    const lrDir = copy((d) => fs.rmSync(path.join(d, 'partial.json')));
    const lr = await run([...args, '--lr', '0.02', '--resume', '--out', lrDir]);
    expect(lr.code).toBe(4);
    expect(lr.err).toMatch(/checkpoint .*checkpoint.*learningRate.*delete .* or drop --resume/s);
    // Corrupt state is a typed error, not a stack.
    const tornDir = copy((d) => fs.writeFileSync(path.join(d, 'checkpoint', 'training.json'), '{"format": "geoparam-tr'));
    const torn = await run([...args, '--resume', '--out', tornDir]);
    expect(torn.code).toBe(4);
    expect(torn.err).toMatch(/checkpoint\/training\.json is not valid JSON.*delete .*checkpoint or drop --resume/);
    const badPartialDir = copy((d) => fs.writeFileSync(path.join(d, 'partial.json'), '{"fingerprint": '));
    const badPartial = await run([...args, '--resume', '--out', badPartialDir]);
    expect(badPartial.code).toBe(4);
    expect(badPartial.err).toMatch(/partial\.json is not valid JSON/);

    const resumed = await run([...args, '--resume', '--out', interruptedDir]);
    expect(resumed.code).toBe(0);
    expect(outcome(JSON.parse(resumed.out).runs)).toEqual(outcome(JSON.parse(uninterrupted.out).runs));
    for (const d of [straight, interruptedDir, lrDir, tornDir, badPartialDir]) fs.rmSync(d, { recursive: true, force: true });
  }, 180_000);
});
