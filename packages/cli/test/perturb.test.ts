import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { main } from '@geoparam/cli';
import { useBackend } from '@geoparam/core';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { log: (l: string) => out.push(l), error: (l: string) => err.push(l) }, out, err };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-cli-'));

describe('geoparam perturb', () => {
  it.each(['cpu', 'wasm'])('prints machine-readable results on %s with GmP far more stable than SP and WN', async (backend) => {
    const dir = tmp();
    const { io, out } = capture();
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const code = await main(['perturb', '--json', '--no-figures', '--backend', backend, '--out', dir], io);
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const result = JSON.parse(out.join('\n'));
    expect(result.backend).toBe(backend);
    expect(result.seed).toBe(1);
    expect(result.results).toHaveLength(12);
    const angle = (m: string, d: number) => result.results.find((r: { method: string; delta: number }) => r.method === m && r.delta === d).angleChange;
    for (const d of [1e-4, 1e-3, 1e-2, 1e-1]) {
      expect(angle('geometric', d)).toBeCloseTo((d * 180) / Math.PI, 2);
      expect(angle('standard', d)).toBeGreaterThan(100 * angle('geometric', d) * (d === 0.1 ? 0.1 : 1));
    }
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')).results).toHaveLength(12);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints tables by default and honours --methods and --deltas', async () => {
    const dir = tmp();
    const { io, out } = capture();
    expect(await main(['perturb', '--no-figures', '--backend', 'cpu', '--methods', 'sp,bn,gmp', '--deltas', '0.01,0.1', '--out', dir], io)).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/Boundary angle change \(degrees\)/);
    expect(text).toMatch(/^BN\s+\d/m);
    expect(text).toMatch(/^GmP\s+0\.573\s+5\.730$/m);
    expect(text).not.toMatch(/^WN/m);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects bad options with a clear message', async () => {
    let c = capture();
    expect(await main(['perturb', '--backend', 'tpu'], c.io)).not.toBe(0);
    expect(c.err.join('\n')).toMatch(/argument 'tpu' is invalid. Allowed choices are wasm, cpu, cuda/);
    c = capture();
    expect(await main(['perturb', '--deltas', '0.1,abc'], c.io)).not.toBe(0);
    expect(c.err.join('\n')).toMatch(/"abc" is not a finite number/);
    c = capture();
    expect(await main(['perturb', '--no-figures', '--backend', 'cpu', '--methods', 'sp,dropout', '--out', tmp()], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/unknown parameterization "dropout"/);
  });

  it('explains what CUDA needs when tfjs-node-gpu is missing', async () => {
    let resolvable = true;
    try {
      require.resolve('@tensorflow/tfjs-node-gpu', { paths: [require.resolve('@geoparam/backend-cuda/package.json')] });
    } catch {
      resolvable = false;
    }
    if (resolvable) return; // On a CUDA machine the backend loads; nothing to explain.
    const c = capture();
    expect(await main(['perturb', '--no-figures', '--backend', 'cuda', '--out', tmp()], c.io)).toBe(4);
    const message = c.err.join('\n');
    expect(message).toMatch(/backend "cuda" is unavailable/);
    expect(message).toMatch(/@tensorflow\/tfjs-node-gpu@4\.22\.0/);
    expect(message).toMatch(/CUDA 11\.2 and cuDNN 8\.1/);
    expect(message).toMatch(/--backend wasm/);
  });

  it('renders the figure as SVG and PNG from the built CLI', () => {
    // vega is ESM-only; jest's sandbox cannot load it, so this runs the real binary.
    const dir = tmp();
    const bin = path.join(__dirname, '..', 'dist', 'bin.js');
    const stdout = execFileSync(process.execPath, [bin, 'perturb', '--out', dir], { encoding: 'utf8' });
    expect(stdout).toMatch(/backend: wasm \(simd=true/);
    const svg = fs.readFileSync(path.join(dir, 'perturbation.svg'), 'utf8');
    expect(svg).toContain('GmP');
    expect((svg.match(/aria-roledescription="line mark"/g) ?? []).length).toBe(15);
    const png = fs.readFileSync(path.join(dir, 'perturbation.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
