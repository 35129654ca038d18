import { GeoparamError } from '@geoparam/core';

/** Stopped by Ctrl-C/SIGTERM; finished runs are kept (journal, queue) for the same command to continue. */
export class InterruptedError extends GeoparamError {
  constructor(message: string) {
    super('INTERRUPTED', message);
  }
}

/** A worker refuses a job it must not run: another geoparam build, another backend. */
export class JobRefusedError extends GeoparamError {
  constructor(message: string) {
    super('JOB_REFUSED', message);
  }
}

/** Some runs of a sweep failed: named and counted in the table, never averaged in. */
export class RunsFailedError extends GeoparamError {
  constructor(
    readonly failures: readonly string[],
    where: string,
  ) {
    super('RUNS_FAILED', `${failures.length} run${failures.length === 1 ? '' : 's'} failed (excluded from the means; see ${where}):\n${failures.join('\n')}`);
  }
}
