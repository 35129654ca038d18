import { sha256 } from '@noble/hashes/sha2';
import { FingerprintMismatchError, InvalidArgumentError } from './errors';

/**
 * A fingerprint is a stable hash of everything that changes a result (command, seeds, epochs,
 * protocol, method and its learning rate, data name and hash, backend, build id). Checkpoints and
 * partial results carry one; a stored result is reused only when its fingerprint equals the current
 * one, and a mismatch names the fields that differ. Synchronous and browser-safe (no node:crypto):
 * @noble/hashes 1.x, whose CommonJS build loads wherever core's does.
 */
export type FingerprintValue =
  | string
  | number
  | boolean
  | null
  | readonly FingerprintValue[]
  | { readonly [k: string]: FingerprintValue };

export interface Fingerprint {
  /** sha256 (hex) of the canonical JSON of `fields`. */
  readonly hash: string;
  readonly fields: Readonly<Record<string, FingerprintValue>>;
}

export interface FingerprintDifference {
  readonly field: string;
  readonly stored: FingerprintValue | undefined;
  readonly current: FingerprintValue | undefined;
}

const encoder = new TextEncoder();

export function sha256Hex(data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return toHex(sha256(bytes));
}

/**
 * sha256 of the bytes of a typed array (platform byte order, little-endian on every platform tfjs
 * runs on): the data hash a fingerprint holds, so a data set whose values changed is a different run.
 */
export function sha256HexOfValues(values: ArrayBufferView): string {
  return sha256Hex(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/**
 * JSON with object keys sorted and no whitespace, so equal values always give equal text.
 * Throws InvalidArgumentError naming the path of a non-finite number or a value JSON cannot hold.
 */
export function canonicalJson(value: FingerprintValue, path = 'value'): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(path, value, 'a finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${(value as readonly FingerprintValue[]).map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as { readonly [k: string]: FingerprintValue };
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k]!, `${path}.${k}`)}`).join(',')}}`;
  }
  throw new InvalidArgumentError(path, value, 'a string, finite number, boolean, null, array or plain object');
}

export function fingerprint(fields: Record<string, FingerprintValue>): Fingerprint {
  const json = canonicalJson(fields, 'fingerprint');
  // The stored copy is the canonical one: later changes to the caller's object cannot alter it.
  return { hash: sha256Hex(json), fields: deepFreeze(JSON.parse(json) as Record<string, FingerprintValue>) };
}

/**
 * A fingerprint read back from a file, or undefined when `value` is not one or its hash does not
 * match its fields (edited or corrupt): callers then treat it as missing, which is a mismatch.
 */
export function fingerprintFrom(value: unknown): Fingerprint | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { hash, fields } = value as { hash?: unknown; fields?: unknown };
  if (typeof hash !== 'string' || typeof fields !== 'object' || fields === null || Array.isArray(fields)) return undefined;
  try {
    const recomputed = fingerprint(fields as Record<string, FingerprintValue>);
    return recomputed.hash === hash ? recomputed : undefined;
  } catch {
    return undefined;
  }
}

/** Every top-level field whose value differs (a field present on one side only counts), sorted by name. */
export function fingerprintDifferences(stored: Fingerprint, current: Fingerprint): FingerprintDifference[] {
  const names = [...new Set([...Object.keys(stored.fields), ...Object.keys(current.fields)])].sort();
  const differences: FingerprintDifference[] = [];
  for (const field of names) {
    const a = stored.fields[field];
    const b = current.fields[field];
    const same = a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b);
    if (!same) differences.push({ field, stored: a, current: b });
  }
  return differences;
}

/**
 * Throws FingerprintMismatchError (code 'FINGERPRINT_MISMATCH') naming every differing field and
 * `howToStartOver` (e.g. "delete runs/levy or drop --resume"). A missing stored fingerprint (a file
 * written before fingerprints existed, or a corrupt one) is a mismatch too: nothing proves it matches.
 */
export function assertSameFingerprint(
  stored: Fingerprint | undefined,
  current: Fingerprint,
  what: string,
  howToStartOver: string,
): void {
  if (stored === undefined) throw new FingerprintMismatchError(what, undefined, howToStartOver);
  const differences = fingerprintDifferences(stored, current);
  if (differences.length > 0 || stored.hash !== current.hash) {
    throw new FingerprintMismatchError(what, differences, howToStartOver);
  }
}

/** Seeds are integers in [0, MAX_SEED]: what SeedStream and tfjs' random ops take without wrapping. */
export const MAX_SEED = 0x7fffffff;

export function assertSeed(argument: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SEED) {
    throw new InvalidArgumentError(argument, value, `an integer seed in [0, ${MAX_SEED}]`);
  }
}

/**
 * A seed for one part of a run (a split, a member, a repeat) derived from the run's seed by hashing,
 * so it stays in [0, MAX_SEED] for every input instead of wrapping the way `seed * 1000 + split`
 * does past 2^31, and distinct parts never collide by arithmetic accident. Number parts must be
 * integers (a fractional part would silently truncate somewhere downstream).
 */
export function deriveSeed(base: number, ...parts: readonly (number | string)[]): number {
  assertSeed('seed', base);
  parts.forEach((part, i) => {
    if (typeof part === 'number' && !Number.isSafeInteger(part)) {
      throw new InvalidArgumentError(`seed part ${i}`, part, 'a safe integer or a string');
    }
  });
  const digest = sha256(encoder.encode(canonicalJson(['geoparam.deriveSeed', base, ...parts])));
  // First four bytes, big-endian, top bit dropped: uniform over [0, 2^31 - 1].
  return ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 1;
}

/**
 * The geoparam build this process runs: core's version, plus `+<commit>` when the commit is known
 * from `GEOPARAM_BUILD_COMMIT` (environment in Node; a global of that name, e.g. a bundler define, in
 * a browser). Unknown commit: the version alone (e.g. `0.1.0`), so two unreleased builds of one
 * version then share a build id; the CLI sets the variable when it runs from a git checkout.
 */
export function buildId(): string {
  const commit = buildCommit();
  return commit === undefined ? CORE_VERSION : `${CORE_VERSION}+${commit}`;
}

// package.json sits one level above both src/ (tests) and dist/ (builds); bundlers inline it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const CORE_VERSION: string = (require('../package.json') as { version: string }).version;

function buildCommit(): string | undefined {
  const fromGlobal = (globalThis as { GEOPARAM_BUILD_COMMIT?: unknown }).GEOPARAM_BUILD_COMMIT;
  const fromEnv = typeof process === 'undefined' ? undefined : process.env?.['GEOPARAM_BUILD_COMMIT'];
  const value = typeof fromEnv === 'string' && fromEnv.trim() !== '' ? fromEnv : fromGlobal;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
