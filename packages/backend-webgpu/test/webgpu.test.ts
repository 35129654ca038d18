import * as tf from '@tensorflow/tfjs-core';
import { backendIsDeviceResident, probeBackend, registeredBackends, useBackend } from '@geoparam/core';
import { SynchronousReadError, WebGPUDeviceLostError, summarizeAdapter } from '@geoparam/backend-webgpu';
import '@geoparam/backend-webgpu/register';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

// The repository's jest global setup probes for an adapter once per run (jest.global-setup.js).
const probe = JSON.parse(process.env['GEOPARAM_WEBGPU_PROBE'] ?? '{"available":false,"reason":"GEOPARAM_WEBGPU_PROBE is unset (jest global setup did not run)"}') as { available: boolean; reason?: string };
const skipReason = probe.available ? null : probe.reason;
if (skipReason) console.log(`webgpu backend tests skipped: ${skipReason}`);

describe('webgpu backend without an adapter', () => {
  it('registers, is never picked unnamed, and says what to install when Vulkan finds no driver', () => {
    expect(registeredBackends()).toContain('webgpu');
    expect(registeredBackends().at(-1)).toBe('webgpu');
    // A child, so the Vulkan driver list of this process stays as the probe set it.
    const script = "require('@geoparam/backend-webgpu').loadWebGPU().then(() => console.log('LOADED'), (e) => console.log(e.constructor.name + ': ' + e.message))";
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out).toMatch(/^BackendUnavailableError: .*no WebGPU adapter.*\/nonexistent\/icd\.json.*libvulkan1.*chromium-common/s);
  });

  it('tells software adapters from hardware ones', () => {
    const adapter = (info: Record<string, unknown>) => ({ info, features: new Set<string>(), limits: { maxBufferSize: 256 }, requestDevice: async () => { throw new Error('unused'); } });
    expect(summarizeAdapter(adapter({ vendor: 'google', architecture: 'swiftshader' }), 'x').software).toBe(true);
    expect(summarizeAdapter(adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15)' }), 'x').software).toBe(true);
    expect(summarizeAdapter(adapter({ vendor: 'nvidia', architecture: 'ada', isFallbackAdapter: false }), 'x')).toMatchObject({ software: false, vendor: 'nvidia', limits: { maxBufferSize: 256 } });
  });
});

(skipReason ? describe.skip : describe)('webgpu backend on an adapter', () => {
  it('reports the adapter: vendor, architecture, software or not, limits', async () => {
    const report = await useBackend('webgpu');
    expect(report.tfjsName).toBe('webgpu');
    expect(report.details).toMatchObject({ implementation: '@tensorflow/tfjs-backend-webgpu', vendor: expect.any(String), architecture: expect.any(String), software: expect.any(Boolean) });
    expect(report.details['maxBufferSize']).toBeGreaterThan(0);
    expect(report.details['maxComputeInvocationsPerWorkgroup']).toBeGreaterThan(0);
    expect(await probeBackend('webgpu')).toEqual({ name: 'webgpu', available: true });
    // Library code must not read synchronously per step here (e.g. GmP's fold decision).
    expect(backendIsDeviceResident()).toBe(true);
  });

  it('computes on the GPU and reads asynchronously; a synchronous read is a typed error', async () => {
    await useBackend('webgpu');
    const a = tf.tensor2d(Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i)), [64, 48]);
    const b = tf.tensor2d(Array.from({ length: 48 * 40 }, (_, i) => Math.cos(i)), [48, 40]);
    const product = tf.matMul(a, b);
    const expected = new Float64Array(64 * 40);
    const av = await a.data();
    const bv = await b.data();
    for (let i = 0; i < 64; i++) for (let j = 0; j < 40; j++) for (let k = 0; k < 48; k++) expected[i * 40 + j]! += av[i * 48 + k]! * bv[k * 40 + j]!;
    const actual = await product.data();
    // float32 tiles vs a float64 sum over 48 products of magnitude <= 1.
    expected.forEach((e, i) => expect(Math.abs(actual[i]! - e)).toBeLessThan(1e-4));
    const onGpu = tf.matMul(a, b);
    expect(() => onGpu.dataSync()).toThrow(SynchronousReadError);
    tf.dispose([a, b, product, onGpu]);
  });

  it('scans of different lengths each get their own pipeline (tfjs-backend-webgpu 4.22 keyed them by op only)', async () => {
    await useBackend('webgpu');
    for (const length of [5, 9, 3]) {
      const values = Array.from({ length: 4 * length }, (_, i) => (i % 7) - 2);
      const x = tf.tensor2d(values, [4, length]);
      const scanned = tf.cumsum(x, 1, true, true);
      const actual = await scanned.data();
      const expected = values.map((_, i) => {
        const [row, col] = [Math.floor(i / length), i % length];
        return values.slice(row * length + col + 1, (row + 1) * length).reduce((a, b) => a + b, 0);
      });
      expect(Array.from(actual)).toEqual(expected);
      tf.dispose([x, scanned]);
    }
  });

  it('turns a lost device into a typed error saying what happened, and recovers on useBackend', async () => {
    await useBackend('webgpu');
    const x = tf.randomNormal([32, 32]);
    (tf.backend() as unknown as { device: { destroy(): void } }).device.destroy();
    // Dawn resolves `device.lost` on its next event poll.
    await new Promise((resolve) => setTimeout(resolve, 200));
    let thrown: unknown;
    try {
      await tf.matMul(x, x).data();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WebGPUDeviceLostError);
    expect(String(thrown)).toMatch(/device was lost \(reason: destroyed.*useBackend\('webgpu'\) again/);
    const report = await useBackend('webgpu');
    expect(report.name).toBe('webgpu');
    const y = tf.matMul(tf.ones([40, 40]), tf.ones([40, 40]));
    expect((await y.data())[0]).toBe(40);
    tf.disposeVariables();
  });
});
