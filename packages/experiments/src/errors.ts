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

/** A sweep directory without what `loadSweepDir` reads (sweep.json, jobs.jsonl), named with what to give instead. */
export class SweepDirError extends GeoparamError {
  constructor(
    readonly dir: string,
    readonly missing: readonly string[],
    hint: string,
  ) {
    super('SWEEP_DIR', `${dir} holds no ${missing.join(' and ')}: ${hint}`);
  }
}

/** A stored sweep that cannot be aggregated again: an experiment no report protocol knows, or settings without what its protocol needs. */
export class SweepNotReportableError extends GeoparamError {
  constructor(
    readonly experiment: string,
    reason: string,
  ) {
    super('SWEEP_NOT_REPORTABLE', `cannot report a ${experiment} sweep: ${reason}`);
  }
}
