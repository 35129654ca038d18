import type { FingerprintDifference } from './fingerprint';

/**
 * Every error geoparam throws on bad input is a `GeoparamError` with a stable `code`, so callers
 * can branch on the kind of problem and the message always names the offending value.
 */
export class GeoparamError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value is outside what the function accepts (non-positive size, unknown option, ...). */
export class InvalidArgumentError extends GeoparamError {
  constructor(
    readonly argument: string,
    readonly value: unknown,
    expectation: string,
  ) {
    super('INVALID_ARGUMENT', `${argument} must be ${expectation}, got ${describeValue(value)}`);
  }
}

/** A name (parameterization, backend, experiment) that no registry knows. */
export class UnknownNameError extends GeoparamError {
  constructor(
    readonly kind: string,
    readonly value: string,
    readonly known: readonly string[],
  ) {
    super('UNKNOWN_NAME', `unknown ${kind} ${JSON.stringify(value)}; known: ${known.join(', ')}`);
  }
}

/** Two shapes that must agree do not. */
export class ShapeMismatchError extends GeoparamError {
  constructor(
    readonly what: string,
    readonly expected: readonly (number | null)[],
    readonly actual: readonly number[],
  ) {
    super(
      'SHAPE_MISMATCH',
      `${what} must have shape [${expected.map((d) => (d === null ? '*' : String(d))).join(', ')}], got [${actual.join(', ')}]`,
    );
  }
}

/** A tensor that must be finite holds NaN or Infinity. */
export class NonFiniteError extends GeoparamError {
  constructor(
    readonly what: string,
    readonly index: number,
    readonly value: number,
  ) {
    super('NON_FINITE', `${what} holds a non-finite value ${value} at flat index ${index}`);
  }
}

/** A backend was asked for but cannot load here; the message says what to install. */
export class BackendUnavailableError extends GeoparamError {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super('BACKEND_UNAVAILABLE', `backend ${JSON.stringify(backend)} is unavailable: ${reason}`);
  }
}

/** A conversion that cannot represent the given layer exactly. */
export class ConversionError extends GeoparamError {
  constructor(message: string) {
    super('CONVERSION', message);
  }
}

/**
 * A checkpoint or partial result was made under other settings than this run (or carries no
 * fingerprint): resuming it would report one run's numbers under another's name.
 * `differences` is undefined when the stored side had no valid fingerprint at all.
 */
export class FingerprintMismatchError extends GeoparamError {
  constructor(
    readonly what: string,
    readonly differences: readonly FingerprintDifference[] | undefined,
    readonly howToStartOver: string,
  ) {
    const why =
      differences === undefined
        ? 'has no valid fingerprint, so nothing shows it was made by this run'
        : differences.length === 0
          ? 'has a fingerprint hash that does not match its fields'
          : `was made with other settings: ${differences
              .flatMap((d) => leafDifferences(d.field, d.stored, d.current))
              .map(([field, stored, current]) => `${field} ${describeStored(stored)} there, ${describeStored(current)} now`)
              .join('; ')}`;
    super('FINGERPRINT_MISMATCH', `${what} ${why}. To start over: ${howToStartOver}`);
  }
}

/** Where both sides are plain objects, the nested fields that differ (`data.sha256`), so the message names the leaf. */
function leafDifferences(field: string, stored: unknown, current: unknown): [string, unknown, unknown][] {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(stored) || !isRecord(current)) return [[field, stored, current]];
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(current)])].sort();
  return keys
    .filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(current[k]))
    .flatMap((k) => leafDifferences(`${field}.${k}`, stored[k], current[k]));
}

function describeStored(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  return String(value);
}
