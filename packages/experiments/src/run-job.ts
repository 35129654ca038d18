import type { Dataset } from '@geoparam/datasets';
import type { DataRef, DataSource } from './data';
import { JobRefusedError } from './errors';
import type { Job, MemberRecord } from './job';
import { STUDY_JOBS } from './study/job';
import { UCI_JOBS } from './uci/job';
import { VISION_JOBS } from './vision/job';

/** What a worker brings to `runJob`: its data, build and backend. */
export interface RunJobContext {
  /** Finds a data set by name and refuses other values than the job's sha256 (`dataResolver`). */
  resolveData(ref: DataRef): Promise<Dataset>;
  /** The worker's build (`buildId()`): a job planned by another build is refused. */
  buildId: string;
  /** The backend this process computes on: a job for another is refused. */
  backend: string;
  /** Who ran it (host:pid), stored with each record. */
  worker?: string;
  /** Where this worker keeps data (its `--data-dir`): protocols that load their own data (vision) look there. */
  source?: DataSource;
}

/** How one protocol runs its jobs on a worker: `runJob` finds it by the job's `experiment`. */
export interface JobProtocol {
  /** The `experiment` its plans put on their jobs. */
  readonly experiment: string;
  /** Every member's outcome as a record; throws before training when the job's data cannot be found or differs. */
  run(job: Job, context: RunJobContext): Promise<MemberRecord[]>;
}

/** The protocols a worker of this build can run, by experiment name. */
const PROTOCOLS: ReadonlyMap<string, JobProtocol> = new Map([UCI_JOBS, VISION_JOBS, STUDY_JOBS].map((p) => [p.experiment, p]));

/**
 * Runs one job: every member's outcome as a record (a run stopped by a non-finite metric is a
 * failed record). Throws, before any training, when the job is not this worker's to run (another
 * build or backend, an experiment this build does not know) or its data cannot be found or differs.
 */
export async function runJob(job: Job, context: RunJobContext): Promise<MemberRecord[]> {
  if (job.buildId !== context.buildId) {
    throw new JobRefusedError(`job ${job.label} was planned by geoparam build ${job.buildId}; this worker is build ${context.buildId}: run workers of the same build as the submitting command`);
  }
  if (job.backend !== context.backend) throw new JobRefusedError(`job ${job.label} must run on backend ${job.backend}; this worker computes on ${context.backend}`);
  const protocol = PROTOCOLS.get(job.experiment);
  if (!protocol) throw new JobRefusedError(`job ${job.label} is of experiment "${job.experiment}", which this build cannot run`);
  return protocol.run(job, context);
}
