import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@geoparam/core';
import { sharedData } from '@geoparam/test-utils';
import { bin, run, tmp } from './helpers';



describe('geoparam reproduce levy', () => {
  it.each(['cpu', 'wasm'])('writes results.json with every method on %s, without leaking tensors', async (backend) => {
    const dir = tmp();
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const { code, out } = await run(['reproduce', 'levy', '--backend', backend, '--seeds', '2', '--epochs', '40', '--stability-steps', '15', '--no-figures', '--json', '--out', dir]);
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const printed = JSON.parse(out);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    expect(saved).toEqual(printed);
    expect(saved).toMatchObject({ experiment: 'levy', backend, seed: 0, dataDraw: 'reference', dataSeeds: [0], initSeeds: [0, 1], protocol: 'paper' });
    expect(Object.keys(saved.methods)).toEqual(['standard', 'weightNorm', 'batchNorm', 'geometric']);
    for (const [method, m] of Object.entries<Record<string, unknown>>(saved.methods)) {
      expect(m['lr']).toBe(method === 'geometric' ? 0.1 : 0.01);
      const runs = m['runs'] as { dataSeed: number; initSeed: number; testRmse: number; epochs: number; stacked: boolean }[];
      // Every run of a method on a draw, the showcase's included, is one stacked computation.
      expect(runs.map((r) => [r.dataSeed, r.initSeed, r.stacked])).toEqual([[0, 0, true], [0, 1, true]]);
      expect(runs.every((r) => r.epochs <= 40 && r.testRmse > 0)).toBe(true);
      const stats = m['testRmse'] as { n: number; mean: number; median: number; min: number; max: number };
      expect(stats).toMatchObject({ n: 2, min: Math.min(...runs.map((r) => r.testRmse)), max: Math.max(...runs.map((r) => r.testRmse)) });
      expect(stats.mean).toBeCloseTo((runs[0]!.testRmse + runs[1]!.testRmse) / 2, 12);
      const difference = m['differenceToStandard'] as { n: number; mean: number } | null;
      if (method === 'standard') expect(difference).toBeNull();
      else expect(difference!.n).toBe(2);
      const stability = m['stability'] as { perStep: number[]; max: number };
      expect(stability.perStep).toHaveLength(15);
      expect(stability.max).toBe(Math.max(...stability.perStep));
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.backend.name).toBe(backend);
    expect(manifest.settings).toMatchObject({ experiment: 'levy', seed: 0, dataDraw: 'reference', initSeeds: [0, 1], epochs: 40 });
    expect(manifest.settings.initializations).toMatch(/TensorFlow's op-level RNG of the reference is not reproduced/);
    expect(manifest.versions.tfjsCore).toBe('4.22.0');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('reproduces the paper’s finding on the full schedule: GmP fits better and its CABs move far less than SP’s', () => {
    // The built binary, as a user runs it (jest's module sandbox makes tfjs training ~3x slower).
    const dir = tmp();
    const out = execFileSync(process.execPath, [bin, 'reproduce', 'levy', '--methods', 'sp,gmp', '--seeds', '3', '--stability-steps', '300', '--no-figures', '--json', '--out', dir], {
      encoding: 'utf8',
    });
    const { methods, protocol, dataDraw } = JSON.parse(out);
    expect([protocol, dataDraw]).toEqual(['paper', 'reference']);
    expect(methods.geometric.testRmse.mean).toBeLessThan(methods.standard.testRmse.mean);
    // Fig 2(c): with lr 0.1, GmP's characteristic points stay below 1 per step, SP's jump far.
    expect(methods.geometric.stability.max).toBeLessThan(1);
    expect(methods.standard.stability.max).toBeGreaterThan(100);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('states its protocol and rejects bad options', async () => {
    const dir = tmp();
    const table = await run(['reproduce', 'levy', '--backend', 'wasm', '--methods', 'gmp', '--seeds', '2', '--protocol', 'validation', '--epochs', '5', '--stability-steps', '3', '--no-figures', '--out', dir]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/protocol validation: .*20% of the training points/);
    expect(table.out).toMatch(/data draw reference: the notebook's points, np\.random\.seed\(S\)/);
    expect(table.out).toMatch(/^GmP\s+0\.1\s+\d\.\d{3} ± \d\.\d{3}\s+\d\.\d{3}\s+\d\.\d{3}–\d\.\d{3}\s+0\.496\s+-\s+2\s+5\s/m);
    // Every seed of the study must be a seed, not only the first.
    const refused = await run(['reproduce', 'levy', '--seed', '2147483647', '--seeds', '2', '--no-figures', '--out', dir]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/seed \+ seeds - 1 must be an integer seed in \[0, 2147483647\], got 2147483648/);
    expect((await run(['reproduce', 'levy', '--data-draw', 'numpy'])).err).toMatch(/Allowed choices are reference, own/);
    expect((await run(['reproduce', 'levy', '--seeds', '0'])).err).toMatch(/"0" is not a positive integer/);
    expect((await run(['reproduce', 'levy', '--epochs', '0'])).err).toMatch(/"0" is not a positive integer/);
    // A seed past 2^31 - 1 (or negative) would wrap inside the seed streams into another run's seed.
    expect((await run(['reproduce', 'levy', '--seed', '4294967296'])).err).toMatch(/"4294967296" is not a seed in \[0, 2147483647\]/);
    expect((await run(['reproduce', 'levy', '--seed', '-1'])).err).toMatch(/"-1" is not a seed/);
    expect((await run(['reproduce', 'levy', '--protocol', 'test'])).err).toMatch(/Allowed choices are validation, paper/);
    const bad = await run(['reproduce', 'levy', '--methods', 'sp,dropout', '--no-figures', '--out', dir]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown parameterization "dropout"/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('geoparam reproduce banana', () => {
  it('trains on the shared banana data and shows GmP turning its CABs far less', async () => {
    const dir = tmp();
    const { code, out } = await run([
      'reproduce', 'banana', '--data-dir', sharedData('banana'), '--methods', 'sp,wn,gmp', '--seeds', '2', '--data-seeds', '2', '--epochs', '15', '--no-figures', '--json', '--out', dir,
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ experiment: 'banana', backend: 'wasm', protocol: 'validation', dataDraw: 'reference', dataSeeds: [0, 1], initSeeds: [0, 1], stabilitySteps: 100 });
    for (const m of Object.values<{ testAccuracy: { n: number; min: number; max: number }; runs: { dataSeed: number; initSeed: number }[]; stability: { perStep: number[]; max: number } }>(result.methods)) {
      expect(m.runs.map((r) => `${r.dataSeed}/${r.initSeed}`)).toEqual(['0/0', '0/1', '1/0', '1/1']);
      expect(m.testAccuracy.n).toBe(4);
      expect(m.testAccuracy.min).toBeGreaterThan(0.5);
      expect(m.testAccuracy.max).toBeLessThanOrEqual(1);
      expect(m.stability.perStep).toHaveLength(100);
    }
    // Fig 3(i): an Adam step of size lr turns a GmP boundary by at most lr radians (5.73 degrees).
    expect(result.methods.geometric.stability.max).toBeLessThan(5.73 + 0.01);
    expect(result.methods.standard.stability.max).toBeGreaterThan(2 * result.methods.geometric.stability.max);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('geoparam reproduce banana --protocol refit', () => {
  const common = ['reproduce', 'banana', '--data-dir', sharedData('banana'), '--methods', 'sp,gmp', '--seeds', '2', '--epochs', '12', '--stability-steps', '5', '--no-figures'];

  it('retrains every run on the whole training split for its validation run’s best epochs and says so', async () => {
    const dir = tmp();
    const table = await run([...common, '--protocol', 'refit', '--out', dir]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^protocol refit: .*retrained from the same initialization on the whole training split/m);
    expect(table.out).toMatch(/^GmP: test accuracy \d\.\d{3} after \d+ epochs \(refit: the best epoch of its \d+-epoch validation run\)/m);
    expect(table.out).toMatch(/^refit runs: the whole training split, 800 examples, 7 steps per epoch \(their validation runs: 640 examples, 5 steps per epoch\)/m);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    expect(results).toMatchObject({ experiment: 'banana', protocol: 'refit', initSeeds: [0, 1], training: { examples: 640, stepsPerEpoch: 5, refit: { examples: 800, stepsPerEpoch: 7 } } });
    for (const m of Object.values<{ testAccuracy: { n: number }; runs: { initSeed: number; testAccuracy: number; epochs: number; validationRun: { epochs: number; bestEpoch: number; lrDrops: number[] } }[] }>(results.methods)) {
      expect(m.testAccuracy.n).toBe(2);
      expect(m.runs.map((r) => r.initSeed)).toEqual([0, 1]);
      for (const r of m.runs) {
        // The refit's score beside its validation run's best epoch and drops: it trained exactly that many epochs.
        expect(r.epochs).toBe(r.validationRun.bestEpoch);
        expect(r.validationRun.bestEpoch).toBeLessThanOrEqual(r.validationRun.epochs);
        expect(r.validationRun.epochs).toBeLessThanOrEqual(12);
        expect(r.validationRun.lrDrops.every((e) => e < r.validationRun.bestEpoch)).toBe(true);
        expect(r.testAccuracy).toBeGreaterThan(0.4);
      }
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.settings).toMatchObject({ experiment: 'banana', protocol: 'refit', training: { refit: { examples: 800, stepsPerEpoch: 7 } } });
    expect(manifest.settings.protocolNote).toMatch(/more steps per epoch/);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 360_000);

  it('--resume refuses a validation-protocol directory, finished or interrupted', async () => {
    const dir = tmp();
    expect((await run([...common, '--methods', 'gmp', '--seeds', '1', '--out', dir])).code).toBe(0);
    const resultsFile = path.join(dir, 'results.json');
    const finished = await run([...common, '--methods', 'gmp', '--seeds', '1', '--protocol', 'refit', '--resume', '--out', dir]);
    expect(finished.code).toBe(4);
    expect(finished.err).toMatch(new RegExp(`results ${resultsFile} was made with other settings: .*protocol "validation" there, "refit" now\\. To start over: delete ${dir} or drop --resume`));
    // What an interrupted validation run leaves: partial.json under its fingerprint.
    const partialFile = path.join(dir, 'partial.json');
    fs.writeFileSync(partialFile, JSON.stringify({ fingerprint: JSON.parse(fs.readFileSync(resultsFile, 'utf8')).fingerprint, methods: [], runs: [] }));
    fs.rmSync(resultsFile);
    const interrupted = await run([...common, '--methods', 'gmp', '--seeds', '1', '--protocol', 'refit', '--resume', '--out', dir]);
    expect(interrupted.code).toBe(4);
    expect(interrupted.err).toMatch(new RegExp(`partial results ${partialFile} was made with other settings: .*protocol "validation" there, "refit" now`));
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('is offered by banana only', async () => {
    // --help wraps its lines to the terminal's width.
    const help = (await run(['reproduce', 'banana', '--help'])).out.replace(/\s+/g, ' ');
    expect(help).toMatch(/choices: "validation", "paper", "refit", default: "validation"/);
    expect(help).toMatch(/refit = validation, then each run retrained from its initialization on the whole training split \(more steps per epoch\)/);
    expect((await run(['reproduce', 'levy', '--protocol', 'refit'])).err).toMatch(/Allowed choices are validation, paper\./);
  });
});

describe('the built CLI', () => {
  it('renders every figure of both reproductions as SVG and PNG', () => {
    const dir = tmp();
    execFileSync(process.execPath, [bin, 'reproduce', 'levy', '--methods', 'sp,gmp', '--seeds', '2', '--epochs', '20', '--stability-steps', '10', '--out', dir], { encoding: 'utf8' });
    execFileSync(process.execPath, [bin, 'reproduce', 'banana', '--data-dir', sharedData('banana'), '--methods', 'bn,gmp', '--seeds', '2', '--epochs', '5', '--stability-steps', '10', '--out', dir], {
      encoding: 'utf8',
    });
    for (const name of ['levy-fit', 'levy-cab-evolution', 'levy-stability', 'levy-seeds', 'banana-trajectories', 'banana-boundary', 'banana-stability', 'banana-seeds']) {
      expect(fs.readFileSync(path.join(dir, `${name}.svg`), 'utf8')).toMatch(/^<svg/);
      expect(fs.readFileSync(path.join(dir, `${name}.png`)).subarray(1, 4).toString()).toBe('PNG');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the finished methods on Ctrl-C and --resume trains only the rest', async () => {
    const dir = tmp();
    const args = [bin, 'reproduce', 'levy', '--methods', 'sp,gmp', '--seeds', '2', '--epochs', '2000', '--stability-steps', '10', '--no-figures', '--out', dir];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // Interrupt once SP is done and GmP is training.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (/^SP: test RMSE/m.test(stdout)) {
          clearInterval(timer);
          setTimeout(() => {
            child.kill('SIGINT');
            resolve();
          }, 300);
        }
      }, 50);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted at epoch \d+, step \d+ during the runs of GmP on data draw 0; rerun the same command with --resume to continue/);
    const partialFile = path.join(dir, 'partial.json');
    const partial = JSON.parse(fs.readFileSync(partialFile, 'utf8'));
    expect(partial.methods.map((m: { method: string }) => m.method)).toEqual(['standard']);
    expect(partial.runs.map((r: { method: string; initSeed: number }) => `${r.method} ${r.initSeed}`)).toEqual(['standard 1']);

    // Resuming under other settings is refused before any training, naming what differs and how to start over.
    const command = args.slice(1);
    const otherSeed = await run([...command, '--seed', '1', '--resume']);
    expect(otherSeed.code).toBe(4);
    expect(otherSeed.err).toMatch(new RegExp(`partial results ${partialFile} was made with other settings: .*seed 0 there, 1 now\\. To start over: delete ${dir} or drop --resume`));
    const otherBackend = await run([...command, '--backend', 'cpu', '--resume']);
    expect(otherBackend.err).toMatch(/backend "wasm" there, "cpu" now/);

    const resumed = execFileSync(process.execPath, [...args, '--resume'], { encoding: 'utf8' });
    expect(resumed).toMatch(new RegExp(`reusing 1 finished method from ${partialFile}: SP, and 1 seed runs`));
    expect(resumed).not.toMatch(/^SP: test RMSE/m);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    expect(Object.keys(results.methods)).toEqual(['standard', 'geometric']);
    expect(results.methods.standard.runs.map((r: { initSeed: number }) => r.initSeed)).toEqual([0, 1]);
    expect(fs.existsSync(partialFile)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
