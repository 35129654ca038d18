import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@geoparam/core';
import '@geoparam/backend-cpu/register';
import '@geoparam/backend-wasm/register';
import '@geoparam/backend-cuda/register';
import '@geoparam/backend-webgpu/register';
import { webgpuProbe } from './webgpu-probe';

export interface Tolerance {
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance, against the expected value. */
  rtol: number;
}

export interface BackendTestContext {
  backend: string;
  tolerance: Tolerance;
}

export interface DescribeOptions {
  /**
   * The suite reads tensors only asynchronously (`await t.data()`, `expectCloseAsync`), so it can
   * run on webgpu, which in Node cannot read synchronously. Other suites report webgpu skipped.
   */
  asyncReads?: boolean;
  /**
   * Why this suite is too long to run on a software WebGPU adapter (SwiftShader computes on the
   * CPU, about a second per small training step): webgpu is then reported skipped with this reason,
   * and runs on a hardware adapter.
   */
  tooSlowOnSoftwareWebGPU?: string;
}

/**
 * float32 everywhere; XNNPACK (wasm) and cuDNN sum in other orders than the JS kernels. WGSL's
 * sin/cos/exp/log are specified to a few ulp at best (SwiftShader's are ~1e-6 absolute near 0),
 * and GPU matMul/conv sum in tiles: webgpu gets 5x wasm's bounds.
 */
export const TOLERANCES: Record<string, Tolerance> = {
  cpu: { atol: 1e-5, rtol: 1e-4 },
  wasm: { atol: 2e-5, rtol: 2e-4 },
  cuda: { atol: 1e-4, rtol: 1e-3 },
  webgpu: { atol: 1e-4, rtol: 1e-3 },
};

const ALL_BACKENDS = ['cpu', 'wasm', 'cuda', 'webgpu'];

/** Packages a backend needs; resolving them is synchronous, unlike loading. */
const REQUIRED_PACKAGES: Record<string, string> = {
  cpu: '@tensorflow/tfjs-backend-cpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cuda: '@tensorflow/tfjs-node-gpu',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
};

function resolvable(pkg: string): boolean {
  for (const from of [require.resolve('@geoparam/backend-cpu/package.json'), require.resolve('@geoparam/backend-wasm/package.json'), require.resolve('@geoparam/backend-cuda/package.json'), require.resolve('@geoparam/backend-webgpu/package.json')]) {
    try {
      require.resolve(pkg, { paths: [from] });
      return true;
    } catch {
      // try the next package's node_modules
    }
  }
  return false;
}

/**
 * Backends to test, and why each of the rest is skipped. `GEOPARAM_TEST_BACKENDS=cpu,wasm`
 * narrows the set; a backend whose packages are missing is reported, never silently passed.
 */
export function backendPlan(options: DescribeOptions = {}): { run: string[]; skipped: Record<string, string> } {
  const requested = process.env['GEOPARAM_TEST_BACKENDS']?.split(',').map((s) => s.trim()).filter(Boolean) ?? ALL_BACKENDS;
  const run: string[] = [];
  const skipped: Record<string, string> = {};
  for (const name of ALL_BACKENDS) {
    if (!requested.includes(name)) skipped[name] = 'not in GEOPARAM_TEST_BACKENDS';
    else if (!resolvable(REQUIRED_PACKAGES[name]!)) skipped[name] = `${REQUIRED_PACKAGES[name]} is not installed`;
    else if (name === 'webgpu' && !options.asyncReads) skipped[name] = 'this suite reads tensors synchronously (dataSync), which webgpu cannot in Node';
    else if (name === 'webgpu') {
      const probe = webgpuProbe();
      if (!probe.available) skipped[name] = probe.reason;
      else if (probe.software && options.tooSlowOnSoftwareWebGPU) skipped[name] = `${options.tooSlowOnSoftwareWebGPU} (software adapter ${probe.adapter})`;
      else run.push(name);
    } else run.push(name);
  }
  return { run, skipped };
}

/**
 * Runs `body` once per available backend (tfjs's `describeWithFlags` in jest): selects the backend
 * before the block, and fails any test that leaves tensors behind.
 */
export function describeEachBackend(name: string, body: (context: BackendTestContext) => void, options: DescribeOptions = {}): void {
  const { run, skipped } = backendPlan(options);
  for (const backend of run) {
    const context: BackendTestContext = { backend, tolerance: TOLERANCES[backend]! };
    describe(`${name} [${backend}]`, () => {
      let tensorsBefore = 0;
      beforeAll(async () => {
        await useBackend(backend);
      });
      beforeEach(() => {
        tensorsBefore = tf.memory().numTensors;
      });
      afterEach(() => {
        const leaked = tf.memory().numTensors - tensorsBefore;
        if (leaked !== 0) throw new Error(`test on ${backend} changed the live tensor count by ${leaked}`);
      });
      body(context);
    });
  }
  for (const [backend, reason] of Object.entries(skipped)) {
    describe.skip(`${name} [${backend}] skipped: ${reason}`, () => {
      it('needs the backend', () => undefined);
    });
  }
}
