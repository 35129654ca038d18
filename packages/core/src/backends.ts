import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, UnknownNameError } from './errors';

export type BackendDetails = Record<string, string | number | boolean | null>;

/**
 * What a backend package registers. Loading is lazy: registering costs nothing, so an app can
 * register every backend and pick one per deployment.
 */
export interface BackendProvider {
  /** geoparam's name for it: `cpu`, `wasm`, `cuda`. */
  readonly name: string;
  /** The name tfjs knows the backend by (`tensorflow` for CUDA). */
  readonly tfjsName: string;
  /** Higher wins when no name is given. */
  readonly priority: number;
  /** Loads the implementation and registers it with tfjs; throws `BackendUnavailableError` saying what to install. */
  load(): Promise<void>;
  /** Facts about the loaded backend (SIMD, threads, CUDA versions, ...). */
  details(): Promise<BackendDetails>;
  /** Runs once the backend is tfjs's active one. */
  onActivate?(): void;
  /**
   * Tensors live on a device (GPU) and reads are asynchronous: a synchronous read stalls the
   * device queue (browsers) or is impossible (WebGPU in Node), so library code must not read per step.
   */
  readonly deviceResident?: boolean;
}

export interface BackendReport {
  name: string;
  tfjsName: string;
  details: BackendDetails;
}

export type BackendAvailability = { name: string; available: true } | { name: string; available: false; reason: string };

const providers = new Map<string, BackendProvider>();
let active: BackendReport | null = null;

export function registerBackendProvider(provider: BackendProvider): void {
  providers.set(provider.name, provider);
}

export function registeredBackends(): string[] {
  return [...providers.values()].sort((a, b) => b.priority - a.priority).map((p) => p.name);
}

function providerFor(name: string): BackendProvider {
  const provider = providers.get(name);
  if (!provider) {
    const hint = `import '@geoparam/backend-${name}/register' (and install @geoparam/backend-${name}) to make it selectable`;
    if (providers.size === 0) throw new BackendUnavailableError(name, `no backend is registered; ${hint}`);
    throw new UnknownNameError('backend', name, registeredBackends());
  }
  return provider;
}

/** Whether `name` can load here, without switching to it. */
export async function probeBackend(name: string): Promise<BackendAvailability> {
  try {
    await providerFor(name).load();
    return { name, available: true };
  } catch (error) {
    return { name, available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Makes `name` the active backend (or the highest-priority one that loads, when omitted) and
 * reports what is running. Fails loudly rather than letting tfjs fall back to another backend.
 */
export async function useBackend(name?: string): Promise<BackendReport> {
  if (name === undefined) {
    const failures: string[] = [];
    for (const candidate of registeredBackends()) {
      const availability = await probeBackend(candidate);
      if (availability.available) return useBackend(candidate);
      failures.push(`${candidate}: ${availability.reason}`);
    }
    throw new BackendUnavailableError('(any)', failures.join('; ') || 'no backend is registered');
  }
  const provider = providerFor(name);
  await provider.load();
  const switched = await tf.setBackend(provider.tfjsName);
  if (!switched || tf.getBackend() !== provider.tfjsName) {
    throw new BackendUnavailableError(name, `tfjs could not initialize backend "${provider.tfjsName}"`);
  }
  await tf.ready();
  provider.onActivate?.();
  active = { name: provider.name, tfjsName: provider.tfjsName, details: await provider.details() };
  return active;
}

/** Whether tfjs's current backend keeps tensors on a device (see `BackendProvider.deviceResident`). */
export function backendIsDeviceResident(): boolean {
  const current = tf.getBackend();
  return [...providers.values()].some((p) => p.tfjsName === current && p.deviceResident === true);
}

/** The backend selected through `useBackend`, or null when none was. */
export function activeBackend(): BackendReport | null {
  if (active && tf.getBackend() !== active.tfjsName) active = null;
  return active;
}
