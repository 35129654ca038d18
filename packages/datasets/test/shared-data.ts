// Test helpers: the shared real data files (never the network) and temporary directories.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export { SHARED_DATA, sharedData } from '@geoparam/test-utils';

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-datasets-'));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** A fetch that serves `bytes` for every URL and records the URLs it was asked for. */
export function fakeFetch(bytes: Uint8Array, init: ResponseInit = {}): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const fake = async (input: string | URL | Request): Promise<Response> => {
    calls.push(String(input));
    return new Response(new Uint8Array(bytes), init);
  };
  return { fetch: fake as typeof fetch, calls };
}

/** A fetch that fails the test if anything tries to download. */
export const noNetwork = (async (input: string | URL | Request): Promise<Response> => {
  throw new Error(`test tried to download ${String(input)}`);
}) as typeof fetch;

/** Replaces the global fetch for the file's tests so a loader can never reach the network. */
export function forbidNetwork(): void {
  const original = globalThis.fetch;
  beforeAll(() => {
    globalThis.fetch = noNetwork;
  });
  afterAll(() => {
    globalThis.fetch = original;
  });
}

/** Sets environment variables for one test and restores them afterwards. */
export async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}

/** Mean and population std per column of a row-major float32 matrix, in float64. */
export function columnMoments(values: Float32Array, cols: number): { mean: number[]; std: number[] } {
  const rows = values.length / cols;
  const mean = new Array<number>(cols).fill(0);
  const sq = new Array<number>(cols).fill(0);
  values.forEach((v, i) => (mean[i % cols]! += v / rows));
  values.forEach((v, i) => (sq[i % cols]! += (v - mean[i % cols]!) ** 2 / rows));
  return { mean, std: sq.map(Math.sqrt) };
}
