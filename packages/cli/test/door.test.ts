import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { bin, run, tmp } from './helpers';

// Door checks: every bad command line or unusable --out is refused before any work, with the
// exit code the README documents (2 usage, 4 typed error, 130 interrupted).
describe('geoparam door checks', () => {
  it('prints its version', async () => {
    const { code, out } = await run(['--version']);
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('takes seeds only in [0, 2^31 - 1]', async () => {
    for (const seed of ['4294967296', '-1', '2147483648', '1.5']) {
      const { code, err } = await run(['reproduce', 'levy', '--seed', seed, '--out', tmp()]);
      expect(code).toBe(2);
      expect(err).toMatch(/is not (a seed in \[0, 2147483647\]|an integer)/);
    }
  });

  it('refuses empty lists and options that do not apply', async () => {
    let r = await run(['reproduce', 'uci', '--datasets', ',']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/"," names nothing: give at least one comma-separated value/);
    r = await run(['perturb', '--deltas', ' , ']);
    expect(r.code).toBe(2);
    r = await run(['reproduce', 'uci', '--target', 'y', '--out', tmp()]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/option '--target' applies only together with --csv/);
    r = await run(['reproduce', 'uci', '--csv', 'a.csv', '--datasets', 'boston']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/option '--datasets <list>' cannot be used with option '--csv <file>'/);
    r = await run(['reproduce', 'uci', '--csv', 'a.csv', '--data-dir', 'x']);
    expect(r.code).toBe(2);
    r = await run(['reproduce', 'vgg6', '--width', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/"0" is not a positive number/);
  });

  it('checks --out before any work: a file is refused, a directory in use is locked', async () => {
    const dir = tmp();
    const file = path.join(dir, 'results');
    fs.writeFileSync(file, '');
    let r = await run(['reproduce', 'levy', '--methods', 'sp', '--epochs', '1', '--no-figures', '--out', file]);
    expect(r.code).toBe(4);
    expect(r.err).toBe(`geoparam: cannot use as the output directory ${file} (ENOTDIR): it is a file; give --out a directory (it is created if missing)`);
    r = await run(['perturb', '--no-figures', '--out', path.join(file, 'sub')]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/results/);
    // A live process holds the directory (this one): refused, naming it.
    fs.writeFileSync(path.join(dir, '.geoparam.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), command: 'geoparam reproduce levy', started: 'now' }));
    r = await run(['perturb', '--no-figures', '--out', dir]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(new RegExp(`in use by another geoparam run \\(pid ${process.pid}: geoparam reproduce levy`));
    // The lock of a process that is gone is taken over.
    fs.writeFileSync(path.join(dir, '.geoparam.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), command: 'x', started: 'then' }));
    r = await run(['perturb', '--no-figures', '--methods', 'sp', '--deltas', '0.1', '--backend', 'cpu', '--out', dir]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, '.geoparam.lock'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('with --json, errors are JSON too', async () => {
    let r = await run(['reproduce', 'levy', '--seed', 'x', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err)).toEqual({ error: { code: 'USAGE', exitCode: 2, message: expect.stringMatching(/"x" is not a finite number/) } });
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'f'), '');
    r = await run(['perturb', '--json', '--out', path.join(dir, 'f')]);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.err).error).toMatchObject({ code: 'FILE_SYSTEM', exitCode: 4 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a corrupt partial.json is a typed error saying what to do', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'partial.json'), '{"experiment": "levy", "meth');
    const r = await run(['reproduce', 'levy', '--methods', 'sp', '--epochs', '1', '--no-figures', '--resume', '--out', dir]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/partial\.json is not valid JSON .*; delete it \(or .*\) or drop --resume/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the built CLI, interrupted', () => {
  it('SIGTERM stops the method in progress, keeps the finished ones, and --resume trains only the rest', async () => {
    const dir = tmp();
    const args = [bin, 'reproduce', 'levy', '--methods', 'sp,wn', '--seeds', '1', '--epochs', '2000', '--stability-steps', '1000', '--no-figures', '--out', dir];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const partial = path.join(dir, 'partial.json');
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (fs.existsSync(partial)) {
          clearInterval(timer);
          child.kill('SIGTERM');
          resolve();
        }
      }, 50);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted at epoch \d+, step \d+ during the runs of WN on data draw 0; rerun the same command with --resume to continue/);
    const kept = JSON.parse(fs.readFileSync(partial, 'utf8')).methods;
    expect(kept.map((m: { method: string; stability: { perStep: number[] } }) => [m.method, m.stability.perStep.length])).toEqual([['standard', 1000]]);
    const resumed = execFileSync(process.execPath, [...args, '--resume'], { encoding: 'utf8' });
    expect(resumed).toMatch(/reusing 1 finished method from .*partial\.json: SP/);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    expect(results.methods.standard.stability.perStep).toHaveLength(1000);
    expect(results.methods.weightNorm.stability.perStep).toHaveLength(1000);
    expect(results.methods.standard.epochs).toMatchObject({ n: 1 });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
