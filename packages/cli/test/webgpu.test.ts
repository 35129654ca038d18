// The reproductions on webgpu (in Node: Dawn, here on the SwiftShader software adapter), end to
// end through the CLI, small enough for the test command. Whole runs are not compared with wasm:
// WGSL trigonometry and GPU summation order differ in the last bits and training amplifies that
// chaotically. Single training steps of every parameterization are compared with wasm, with
// stated tolerances, in packages/parameterizations/test/steps-match-wasm.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedData, webgpuProbe } from '@geoparam/test-utils';
import { run, tmp } from './helpers';

const probe = webgpuProbe();
const skipReason = probe.available ? null : probe.reason;
if (skipReason) console.log(`reproductions on webgpu skipped: ${skipReason}`);

(skipReason ? describe.skip : describe)('reproductions on webgpu', () => {
  it('reproduce levy --backend webgpu completes: every result finite, CABs recorded, nothing read synchronously', async () => {
    const dir = tmp();
    const { code, out, err } = await run(['reproduce', 'levy', '--backend', 'webgpu', '--methods', 'sp,gmp', '--seeds', '1', '--epochs', '3', '--stability-steps', '3', '--no-figures', '--json', '--out', dir]);
    // On failure the message shows what the command printed.
    expect([code, code === 0 ? '' : err]).toEqual([0, '']);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ experiment: 'levy', backend: 'webgpu' });
    for (const method of ['standard', 'geometric']) {
      const m = result.methods[method];
      expect(Number.isFinite(m.testRmse.mean)).toBe(true);
      expect(m.stability.perStep).toHaveLength(3);
      expect(m.stability.perStep.every(Number.isFinite)).toBe(true);
    }
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'))).toEqual(result);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  /**
   * A small VGG-6 run end to end; `extra` sizes it. Checks what the run wrote, not only the exit code:
   * results.json equal to what was printed, finite metrics, and a manifest naming the webgpu backend.
   */
  async function vgg6Run(extra: string[]): Promise<number> {
    const dir = tmp();
    const started = performance.now();
    const { code, out, err } = await run([
      'reproduce', 'vgg6', '--backend', 'webgpu', '--dataset', 'mnist', '--data-dir', sharedData('images', 'mnist'), '--holdout', '--train-limit', '32',
      '--width', '0.03125', '--epochs', '1', '--seeds', '1', '--batch-size', '16', '--methods', 'sp,gmp+imn', '--no-figures', '--json', '--out', dir, ...extra,
    ]);
    const seconds = (performance.now() - started) / 1000;
    // On failure the message shows what the command printed.
    expect([code, code === 0 ? '' : err]).toEqual([0, '']);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ experiment: 'vgg6', backend: 'webgpu' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'))).toEqual(result);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.backend.name).toBe('webgpu');
    expect(result.runs.map((r: { label: string }) => r.label).sort()).toEqual(['GmP+IMN', 'SP']);
    for (const r of result.runs) {
      expect(r.curve.top1).toHaveLength(1);
      expect(r.curve.loss).toHaveLength(1);
      for (const value of [r.top1, r.top5, r.curve.loss[0], r.curve.top1[0], r.msPerStep]) expect(Number.isFinite(value)).toBe(true);
      expect(r.top1).toBeGreaterThanOrEqual(0);
      expect(r.top5).toBeGreaterThanOrEqual(r.top1);
      expect(r.top5).toBeLessThanOrEqual(1);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return seconds;
  }

  // On SwiftShader (a GPU emulated on the CPU) the cost is the evaluation: one pass over the
  // 2000-image holdout at batch 256 took 65-130 s on the shared 2 cores, and every new batch shape
  // compiles its WGSL pipelines anew. So the run evaluates on 16 of them (--test-limit 16: the
  // training batch's shape, whose pipelines exist by then) and re-estimates statistics from one
  // batch: ~34 s of CPU for both runs. Wall time is whatever share of the CPU the emulated GPU gets:
  // 275 s at load average 15 on the shared 2 cores, hence the 600 s limit. Conv forward and
  // gradients, GmP's WGSL kernels and IMN all run.
  it(`a small reproduce vgg6 --backend webgpu completes on any adapter (${probe.available ? probe.adapter : 'none'})`, async () => {
    const seconds = await vgg6Run(['--test-limit', '16', '--recalibrate-stats', '1']);
    console.log(`reproduce vgg6 --backend webgpu (2 runs, 16 test images): ${seconds.toFixed(1)} s`);
  }, 600_000);

  // The whole 2000-image holdout, validated and tested: minutes on a software adapter.
  const fullIt = probe.available && probe.software ? it.skip : it;
  fullIt(`reproduce vgg6 --backend webgpu with the whole holdout set${probe.available && probe.software ? ` (skipped: past 300 s on the software adapter ${probe.adapter}; the run above covers it)` : ''}`, async () => {
    await vgg6Run([]);
  }, 300_000);
});
