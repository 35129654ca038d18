import { GeoparamError } from '@geoparam/core';

/** What `geoparam` exits with (documented in the README). */
export const EXIT_CODES = {
  ok: 0,
  /** A bug in geoparam: the message carries a stack trace to report. */
  internal: 1,
  /** The command line is wrong: unknown option, bad value, options that do not go together. */
  usage: 2,
  /** The command ran but some of its runs failed: the results written leave them out. */
  failedRuns: 3,
  /** The command line is fine but something it names cannot be used: data, output directory, checkpoint, backend. */
  typed: 4,
  /** Stopped by Ctrl-C or SIGTERM; what was finished (and a checkpoint) is kept. */
  interrupted: 130,
} as const;

/** Error codes that mean the command line itself is wrong. */
const USAGE_CODES = new Set(['USAGE', 'INVALID_ARGUMENT', 'UNKNOWN_NAME']);

/** A flag that does not apply here, conflicts with another, or has a value out of range. */
export class UsageError extends GeoparamError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** The exit code for an error a command threw. */
export function exitCodeOf(error: unknown): number {
  if (!(error instanceof GeoparamError)) return EXIT_CODES.internal;
  if (error.code === 'INTERRUPTED') return EXIT_CODES.interrupted;
  if (error.code === 'RUNS_FAILED') return EXIT_CODES.failedRuns;
  return USAGE_CODES.has(error.code) ? EXIT_CODES.usage : EXIT_CODES.typed;
}
