import type { Dataset } from '@geoparam/datasets';
import type { DataRef } from './data';
import { JobRefusedError } from './errors';
import { memberRecord, type Job, type MemberRecord } from './job';
import { trainUciRuns, type StackMode, type UciRun } from './uci/protocol';

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
}

/**
 * Runs one job: every member's outcome as a record (a run stopped by a non-finite metric is a
 * failed record). Throws, before any training, when the job is not this worker's to run or its
 * data cannot be found or differs.
 */
export async function runJob(job: Job, context: RunJobContext): Promise<MemberRecord[]> {
  if (job.buildId !== context.buildId) {
    throw new JobRefusedError(`job ${job.label} was planned by geoparam build ${job.buildId}; this worker is build ${context.buildId}: run workers of the same build as the submitting command`);
  }
  if (job.backend !== context.backend) throw new JobRefusedError(`job ${job.label} must run on backend ${job.backend}; this worker computes on ${context.backend}`);
  if (job.experiment !== 'uci') throw new JobRefusedError(`job ${job.label} is of experiment "${job.experiment}", which this build cannot run`);
  const members = (job as Job<UciRun>).members;
  const full = await context.resolveData(job.data[0]!);
  const outcomes = await trainUciRuns(
    members.map((m) => m.run),
    full,
    (job.options['stack'] as StackMode | undefined) ?? 'auto',
  );
  return members.map((m, k) => memberRecord(m, outcomes[k]!, context.worker));
}
