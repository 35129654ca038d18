import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedData } from '@geoparam/test-utils';
import { bin, run, tmp } from './helpers';
import { describeSample, runPool } from '@geoparam/experiments';

const journal = (dir: string) =>
  fs
    .readFileSync(path.join(dir, 'jobs.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { key: string; run: { phase: string; split: number }; result?: { testRmse: number }; error?: string });

describe('geoparam reproduce uci', () => {
  const common = ['reproduce', 'uci', '--data-dir', sharedData('uci'), '--datasets', 'yacht', '--methods', 'sp,gmp', '--epochs', '30', '--no-figures', '--workers', '2'];

  it('runs every split of every method on worker processes and reports mean ± s.e. beside the paper', async () => {
    const dir = tmp();
    const { code, out } = await run([...common, '--splits', '3', '--json', '--out', dir]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ experiment: 'uci', backend: 'wasm', protocol: 'validation', splits: 3, workers: 2, failures: [] });
    for (const method of ['standard', 'geometric']) {
      const cell = result.datasets.yacht[method];
      expect(cell.rmse).toHaveLength(3);
      expect(cell.lr).toBe(method === 'geometric' ? 0.1 : 0.01);
      expect(cell.mean).toBeCloseTo(describeSample(cell.rmse).mean, 10);
      expect(cell.paper).toEqual(method === 'geometric' ? [0.584, 0.046] : [0.639, 0.063]);
      expect(typeof cell.outsidePaper2se).toBe('boolean');
    }
    // The same split for every method: same seed, same 80/20 partition.
    expect(journal(dir)).toHaveLength(6);
    // yacht's training split is one batch: `auto` stacks its splits.
    expect(result.stack).toBe('auto');
    expect(journal(dir).every((r) => (r.result as { stacked?: boolean }).stacked === true)).toBe(true);
    const table = fs.readFileSync(path.join(dir, 'table.md'), 'utf8');
    expect(table).toMatch(/^\| yacht \| \d+\.\d{3}±\d+\.\d{3}( †)? \| 0\.639±0\.063 \| /m);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trains the splits stacked (--stack all, and auto for a one-batch set), with the results of runs trained one by one (--stack none)', async () => {
    const dirs = [tmp(), tmp()];
    const args = [...common, '--methods', 'sp,wn,bn,gmp', '--splits', '3', '--epochs', '25', '--json'];
    const stacked = await run([...args, '--stack', 'all', '--out', dirs[0]!]);
    const alone = await run([...args, '--stack', 'none', '--out', dirs[1]!]);
    expect(stacked.code).toBe(0);
    expect(alone.code).toBe(0);
    expect(JSON.parse(stacked.out)).toMatchObject({ stack: 'all', failures: [] });
    expect(JSON.parse(alone.out)).toMatchObject({ stack: 'none', failures: [] });
    const byKey = (dir: string) => new Map(journal(dir).map((r) => [r.key, r.result as { testRmse: number; validationRmse: number; epochs: number; stacked: boolean }]));
    const [mine, theirs] = dirs.map(byKey) as [ReturnType<typeof byKey>, ReturnType<typeof byKey>];
    expect(mine.size).toBe(12);
    expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [key, result] of mine) {
      const other = theirs.get(key)!;
      expect(result.epochs).toBe(other.epochs);
      expect([result.stacked, other.stacked]).toEqual([true, false]);
      // wasm: bitwise equal today; the margin is float32 rounding in kernels that batch differently.
      expect(Math.abs(result.testRmse - other.testRmse)).toBeLessThan(1e-5 * other.testRmse);
      expect(Math.abs(result.validationRmse - other.validationRmse)).toBeLessThan(1e-5 * other.validationRmse);
    }
    expect(fs.readFileSync(path.join(dirs[0]!, 'table.md'), 'utf8')).toMatch(/the splits of each data set and method trained stacked;/);
    dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  });

  it('trains a data set larger than one batch run by run under --stack auto', async () => {
    const dir = tmp();
    const { code } = await run(['reproduce', 'uci', '--data-dir', sharedData('uci'), '--datasets', 'power', '--methods', 'sp', '--splits', '2', '--epochs', '2', '--no-figures', '--workers', '1', '--out', dir]);
    expect(code).toBe(0);
    expect(journal(dir).map((r) => (r.result as { stacked?: boolean }).stacked)).toEqual([false, false]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('retries the job of a worker that dies, and resumes from its journal without redoing runs', async () => {
    const dir = tmp();
    const marker = path.join(dir, 'crashed-once');
    process.env['GEOPARAM_CRASH_ONCE'] = marker;
    process.env['GEOPARAM_CRASH_MATCH'] = 'final yacht GmP';
    try {
      const first = await run([...common, '--splits', '2', '--out', dir]);
      expect(first.code).toBe(0);
      expect(fs.readFileSync(marker, 'utf8')).toContain('final yacht GmP splits 0,1');
      expect(journal(dir).filter((r) => r.result)).toHaveLength(4);
    } finally {
      delete process.env['GEOPARAM_CRASH_ONCE'];
      delete process.env['GEOPARAM_CRASH_MATCH'];
    }
    const second = await run([...common, '--splits', '3', '--out', dir]);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/reusing 4 runs from .*jobs\.jsonl/);
    expect(second.out).toMatch(/Table 1 runs: 2 runs to do \(4 already done\)/);
    expect(journal(dir)).toHaveLength(6);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('chooses each learning rate on the validation split with --lr-grid', async () => {
    const dir = tmp();
    const { code, out } = await run([...common, '--methods', 'gmp', '--splits', '1', '--epochs', '10', '--lr-grid', '--json', '--out', dir]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.lrGrid).toEqual([0.001, 0.003, 0.01, 0.03, 0.1, 0.3]);
    expect(result.lrGrid).toContain(result.datasets.yacht.geometric.lr);
    expect(journal(dir).filter((r) => r.run.phase === 'grid')).toHaveLength(6);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--protocol refit: the validation runs (reused from a validation sweep in the same --out), then a refit phase per run', async () => {
    const dir = tmp();
    const validation = await run([...common, '--splits', '2', '--out', dir]);
    expect(validation.code).toBe(0);
    const refit = await run([...common, '--splits', '2', '--protocol', 'refit', '--json', '--out', dir]);
    expect(refit.code).toBe(0);
    const result = JSON.parse(refit.out);
    expect(result).toMatchObject({ protocol: 'refit', draw: 'reference', failures: [] });
    const records = journal(dir) as unknown as { run: { phase: string; split: number; method: string; epochs: number; refit?: { from: string; lrDrops: number[] } }; key: string; result: { bestEpoch?: number; lrDrops?: number[]; epochs: number; testRmse: number } }[];
    const finals = records.filter((r) => r.run.phase === 'final');
    const refits = records.filter((r) => r.run.phase === 'refit');
    expect([finals.length, refits.length]).toEqual([4, 4]);
    for (const r of refits) {
      const from = finals.find((f) => f.key === r.run.refit!.from)!;
      expect(r.run.epochs).toBe(from.result.bestEpoch);
      expect(r.result.epochs).toBe(from.result.bestEpoch);
      expect(r.run.refit!.lrDrops).toEqual(from.result.lrDrops!.filter((e) => e < from.result.bestEpoch!));
    }
    expect(result.datasets.yacht.geometric.rmse).toEqual(refits.filter((r) => r.run.method === 'geometric').sort((a, b) => a.run.split - b.run.split).map((r) => r.result.testRmse));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.settings).toMatchObject({ protocol: 'refit', draw: 'reference' });
    expect(manifest.settings.initializations).toMatch(/geoparam's own.*not reproduced/);
    expect(fs.readFileSync(path.join(dir, 'table.md'), 'utf8')).toMatch(/Protocol refit: .*never watches the test split/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("draws the reference's splits by default, geoparam's own with --data-draw own", async () => {
    const dirs = [tmp(), tmp()];
    const reference = await run([...common, '--methods', 'sp', '--splits', '1', '--epochs', '5', '--json', '--out', dirs[0]!]);
    const own = await run([...common, '--methods', 'sp', '--splits', '1', '--epochs', '5', '--data-draw', 'own', '--json', '--out', dirs[1]!]);
    expect([reference.code, own.code]).toEqual([0, 0]);
    expect([JSON.parse(reference.out).draw, JSON.parse(own.out).draw]).toEqual(['reference', 'own']);
    expect(journal(dirs[0]!)[0]!.key).not.toBe(journal(dirs[1]!)[0]!.key);
    expect(JSON.parse(reference.out).datasets.yacht.standard.rmse).not.toEqual(JSON.parse(own.out).datasets.yacht.standard.rmse);
    expect(fs.readFileSync(path.join(dirs[0]!, 'table.md'), 'utf8')).toMatch(/train_test_split\(test_size=0\.2, random_state=k\)/);
    dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  });

  it('checks every data set once before any worker starts', async () => {
    const dir = tmp();
    const { code, err } = await run(['reproduce', 'uci', '--datasets', 'yacht', '--methods', 'sp', '--splits', '1', '--epochs', '5', '--no-figures', '--data-dir', dir, '--out', dir]);
    expect(code).toBe(4);
    expect(err).toMatch(/is a directory without yacht\.csv/);
    expect(fs.existsSync(path.join(dir, 'jobs.jsonl'))).toBe(false);
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'a,b\n1,2\n3,x\n');
    const ragged = await run(['reproduce', 'uci', '--csv', bad, '--methods', 'sp', '--splits', '1', '--epochs', '5', '--no-figures', '--out', dir]);
    expect(ragged.code).toBe(4);
    expect(ragged.err).toMatch(/bad\.csv/);
    expect(fs.existsSync(path.join(dir, 'jobs.jsonl'))).toBe(false);
    expect((await run(['reproduce', 'uci', '--datasets', 'iris'])).err).toMatch(/unknown UCI dataset "iris"/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the same protocol on a user’s own CSV with a named target column', async () => {
    const dir = tmp();
    const file = path.join(dir, 'mine.csv');
    // The target in the middle, to check it is taken by name.
    const rows = Array.from({ length: 120 }, (_, i) => {
      const a = Math.sin(i);
      const b = Math.cos(3 * i);
      return `${a},${(2 * a - b).toFixed(6)},${b}`;
    });
    fs.writeFileSync(file, ['a,target,b', ...rows].join('\n') + '\n');
    const { code, out } = await run(['reproduce', 'uci', '--csv', file, '--target', 'target', '--methods', 'sp,gmp', '--splits', '2', '--epochs', '20', '--no-figures', '--json', '--out', dir]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    const [name] = Object.keys(result.datasets);
    expect(name).toBe('csv:mine.csv#target');
    expect(result.datasets[name!].geometric.rmse).toHaveLength(2);
    expect(result.datasets[name!].geometric.paper).toBeNull();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws the comparison figure from the built CLI', () => {
    const dir = tmp();
    execFileSync(process.execPath, [bin, 'reproduce', 'uci', '--data-dir', sharedData('uci'), '--datasets', 'yacht,energy', '--methods', 'sp,gmp', '--splits', '2', '--epochs', '10', '--out', dir], { encoding: 'utf8' });
    expect(fs.readFileSync(path.join(dir, 'uci.svg'), 'utf8')).toMatch(/^<svg/);
    expect(fs.readFileSync(path.join(dir, 'uci.png')).subarray(1, 4).toString()).toBe('PNG');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the worker pool', () => {
  it('reports every run instead of respawning forever when workers cannot start', async () => {
    let cudaInstalled = true;
    try {
      require.resolve('@tensorflow/tfjs-node-gpu', { paths: [require.resolve('@geoparam/backend-cuda/package.json')] });
    } catch {
      cudaInstalled = false;
    }
    if (cudaInstalled) return;
    const failures: string[] = [];
    const jobs = [1, 2, 3].map((split) => ({ id: String(split) }));
    const outcome = await runPool(jobs, {
      workers: 2,
      script: path.join(__dirname, '..', 'dist', 'experiments', 'worker.js'),
      init: { backend: 'cuda', source: {} },
      key: (j) => j.id,
      onResult: () => undefined,
      onFailure: (_job, reason) => failures.push(reason),
    });
    expect(outcome.completed).toBe(0);
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatch(/workers exit before running anything: backend "cuda" is unavailable/);
  });
});

describe('failed runs', () => {
  it('names, counts and excludes a run stopped by a non-finite metric, and exits non-zero', async () => {
    const dir = tmp();
    const file = path.join(dir, 'huge.csv');
    // Targets near 1e25: their squares (the monitored MSE) overflow float32.
    const rows = Array.from({ length: 60 }, (_, i) => `${Math.sin(i)},${Math.cos(i)},${((1 + Math.sin(3 * i)) * 1e25).toExponential(6)}`);
    fs.writeFileSync(file, ['a,b,y', ...rows].join('\n') + '\n');
    const { code, out, err } = await run(['reproduce', 'uci', '--csv', file, '--methods', 'sp', '--splits', '2', '--epochs', '3', '--no-figures', '--json', '--workers', '1', '--out', dir]);
    expect(code).toBe(3);
    const result = JSON.parse(out);
    const cell = result.datasets['csv:huge.csv'].standard;
    expect(cell.failed).toBe(2);
    expect(cell.rmse).toEqual([]);
    expect(result.failures).toHaveLength(2);
    expect(result.failures[0].error).toMatch(/non-finite/);
    expect(err).toMatch(/2 runs failed/);
    expect(fs.readFileSync(path.join(dir, 'table.md'), 'utf8')).toMatch(/n\/a \(2 failed\)/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
