import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, type BackendDetails, type BackendProvider } from '@geoparam/core';
import { nodeGpu } from './dawn';
import { SynchronousReadError, WebGPUDeviceLostError } from './errors';
import { registerGeometricKernels } from './geometric-affine';
import type { Gpu, GpuAdapter, GpuAdapterInfo, GpuDevice, GpuDeviceLostInfo } from './gpu-types';

export { SynchronousReadError, WebGPUDeviceLostError } from './errors';
export { findSwiftShaderIcd, SWIFTSHADER_ICD_PATHS } from './dawn';
export { geometricAffineWebGPU, geometricAffineGradWebGPU, registerGeometricKernels } from './geometric-affine';

/** The limits worth seeing in a backend report: they bound tensor and workgroup sizes. */
const REPORTED_LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension'];

/** Adapters that compute on the CPU; browsers flag them as fallback adapters, Dawn's Vulkan path not always. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|microsoft basic render|warp/i;

export interface WebGPUAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Computes on the CPU (SwiftShader, llvmpipe, WARP): correct, but its timings say nothing about GPU speed. */
  software: boolean;
  /** How the adapter was found: `browser`, or the Vulkan driver Dawn used in Node. */
  driver: string;
  limits: Record<string, number>;
}

export function summarizeAdapter(adapter: GpuAdapter, driver: string): WebGPUAdapterSummary {
  const info: GpuAdapterInfo = adapter.info ?? {};
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || SOFTWARE_ADAPTER.test(text),
    driver,
    limits: Object.fromEntries(REPORTED_LIMITS.map((name) => [name, adapter.limits[name] ?? 0])),
  };
}

interface Session {
  gpu: Gpu;
  /** Probed by `load` and not yet turned into a device (an adapter gives one device only). */
  unused: GpuAdapter | null;
  /** The adapter and device in use, held so that neither is collected while tfjs works on them. */
  inUse: { adapter: GpuAdapter; device: GpuDevice } | null;
  summary: WebGPUAdapterSummary;
  lost: GpuDeviceLostInfo | null;
}

let session: Session | null = null;

function inBrowser(): boolean {
  const scope = globalThis as { window?: unknown; WorkerGlobalScope?: unknown };
  return scope.window !== undefined || scope.WorkerGlobalScope !== undefined;
}

async function findAdapter(): Promise<{ gpu: Gpu; adapter: GpuAdapter; driver: string }> {
  if (inBrowser()) {
    const gpu = (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu;
    if (!gpu) throw new BackendUnavailableError('webgpu', 'this browser exposes no WebGPU (navigator.gpu): use Chrome/Edge 113+ (on Linux with --enable-unsafe-webgpu), Safari 26 or Firefox 141+, on a secure origin (https or localhost)');
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new BackendUnavailableError('webgpu', 'navigator.gpu gave no adapter: WebGPU is disabled or this GPU is blocklisted (see chrome://gpu)');
    return { gpu, adapter, driver: 'browser' };
  }
  const found = await nodeGpu();
  if ('error' in found) throw new BackendUnavailableError('webgpu', found.error);
  return found;
}

/** What a WebGPUBackend exposes that we wrap; the rest of the class stays tfjs' own. */
interface WrappedBackend {
  readSync(dataId: object): unknown;
  read(dataId: object): Promise<unknown>;
  runWebGPUProgram(program: unknown, ...rest: unknown[]): unknown;
}

/**
 * Turns the symptoms of a lost device (rejected maps, validation errors on a dead device) and of a
 * synchronous read in Node (a ReferenceError deep inside tfjs) into errors that say what happened.
 */
function guard(backend: WrappedBackend, current: Session): void {
  const lostError = () => new WebGPUDeviceLostError(current.lost!.reason, current.lost!.message);
  const { readSync, read, runWebGPUProgram } = backend;
  backend.runWebGPUProgram = function (program, ...rest) {
    if (current.lost) throw lostError();
    // tfjs-backend-webgpu 4.22's CumProgram (cumsum, cumprod) writes the scanned length into its
    // WGSL but not into its shaderKey: the pipeline compiled for one length then served every other,
    // and reverse scans came out wrong (GmP's initialization read zeros). Key it by length too.
    const p = program as { shaderKey: string; outputShape: number[] };
    if (p.shaderKey.startsWith('cum_') && !p.shaderKey.includes('_length')) p.shaderKey += `_length${p.outputShape[p.outputShape.length - 1]}`;
    return runWebGPUProgram.call(this, program, ...rest);
  };
  backend.read = async function (dataId) {
    if (current.lost) throw lostError();
    try {
      return await read.call(this, dataId);
    } catch (error) {
      if (current.lost) throw lostError();
      throw error;
    }
  };
  backend.readSync = function (dataId) {
    if (current.lost) throw lostError();
    try {
      return readSync.call(this, dataId);
    } catch (error) {
      // tfjs reads synchronously through an OffscreenCanvas, which Node lacks.
      if (error instanceof ReferenceError && /OffscreenCanvas/.test(error.message)) throw new SynchronousReadError();
      throw error;
    }
  };
}

function register(current: Session): void {
  // The package registers its kernels, and its own factory where navigator.gpu exists; ours replaces
  // that factory to keep the adapter (for the report) and the device (for loss).
  const { WebGPUBackend } = require('@tensorflow/tfjs-backend-webgpu') as { WebGPUBackend: new (device: GpuDevice, info?: GpuAdapterInfo) => tf.KernelBackend };
  registerGeometricKernels();
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const adapter = current.unused ?? (await current.gpu.requestAdapter({ powerPreference: 'high-performance' }));
      current.unused = null;
      if (!adapter) throw new BackendUnavailableError('webgpu', 'the WebGPU adapter disappeared');
      // The descriptor tfjs-backend-webgpu's own factory asks for.
      const features = ['timestamp-query', 'bgra8unorm-storage'].filter((f) => adapter.features.has(f));
      const limits = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'];
      const device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits: Object.fromEntries(limits.map((l) => [l, adapter.limits[l]])) });
      // Only the device tfjs uses counts: a device of an earlier, superseded initialization going
      // away (e.g. collected) must not condemn the live one.
      void device.lost.then((info) => {
        if (current.inUse?.device === device) current.lost = { reason: info.reason, message: info.message };
      });
      current.inUse = { adapter, device };
      const backend = new WebGPUBackend(device, adapter.info);
      guard(backend as unknown as WrappedBackend, current);
      return backend;
    },
    // Never chosen without being named: on a machine whose only adapter is SwiftShader it is far slower than wasm.
    -1,
  );
}

/** Loads and registers WebGPU once (again after a device loss) and returns what adapter it found. */
export async function loadWebGPU(): Promise<WebGPUAdapterSummary> {
  if (session && !session.lost) return session.summary;
  const { gpu, adapter, driver } = await findAdapter();
  session = { gpu, unused: adapter, inUse: null, summary: summarizeAdapter(adapter, driver), lost: null };
  register(session);
  return session.summary;
}

/**
 * WebGPU on any vendor's GPU: browsers through navigator.gpu, Node through Dawn (npm `webgpu`) on
 * Vulkan. Reads are asynchronous only in Node (`await tensor.data()`).
 */
export const webgpuBackend: BackendProvider = {
  name: 'webgpu',
  tfjsName: 'webgpu',
  priority: -1,
  deviceResident: true,
  async load() {
    await loadWebGPU();
  },
  async details(): Promise<BackendDetails> {
    const summary = await loadWebGPU();
    const { limits, ...rest } = summary;
    return { implementation: '@tensorflow/tfjs-backend-webgpu', ...rest, ...limits };
  },
};
