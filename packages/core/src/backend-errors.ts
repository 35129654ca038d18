import { GeoparamError } from './errors';

/** A backend ran out of memory (the WASM heap stops at ~4 GiB and reports "memory access out of bounds"). */
export class BackendMemoryError extends GeoparamError {
  constructor(
    readonly backend: string,
    readonly during: string,
    readonly reduce: string,
  ) {
    super('BACKEND_MEMORY', `the ${backend} backend ran out of memory while ${during}; reduce ${reduce}`);
  }
}

const OUT_OF_MEMORY = /memory access out of bounds|out of memory|Cannot enlarge memory|Array buffer allocation failed/i;

/**
 * `error` as a BackendMemoryError when it is the backend running out of memory, else unchanged.
 * `reduce` says what the caller can make smaller (batch size, model width, data).
 */
export function toBackendMemoryError(error: unknown, backend: string, during: string, reduce: string): unknown {
  // Duck-typed: WebAssembly.RuntimeError may come from another realm.
  const message = (error as { message?: unknown } | null)?.message;
  if (error instanceof GeoparamError || typeof message !== 'string' || !OUT_OF_MEMORY.test(message)) return error;
  const typed = new BackendMemoryError(backend, during, reduce);
  typed.cause = error;
  return typed;
}
