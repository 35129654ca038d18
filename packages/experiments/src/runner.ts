import type { Job, MemberRecord } from './job';
import { memberRecord } from './job';
import { InterruptedError } from './errors';
import { pendingJobs, type Plan } from './plan';
import type { RecordSet } from './records';

/** How a runner reports back while it runs jobs. */
export interface RunHooks {
  /** A job's member records, as its worker reported them. */
  onRecords(job: Job, records: MemberRecord[]): void;
  /** A job that could not give records (its worker kept dying, it was refused, it timed out). */
  onJobFailed(job: Job, reason: string): void;
  signal?: AbortSignal;
}

/** What a runner did with the jobs it was given. */
export interface RunOutcome {
  completed: number;
  failed: number;
  /** Stopped by the signal (or detached): unfinished jobs are left for a later run. */
  aborted: boolean;
}

/**
 * Where jobs run: a local process pool, or queue workers on any number of machines. A runner
 * only executes; recording, reuse and aggregation are the same for every runner.
 */
export interface JobRunner {
  readonly description: string;
  /** Runs the jobs, reporting each job's records (or failure) through `hooks`. */
  run(jobs: readonly Job[], hooks: RunHooks): Promise<RunOutcome>;
}

/** Options of `runPlan`. */
export interface RunPlanOptions {
  /** Progress lines ("reusing N runs from …", phase sizes). */
  log?: (line: string) => void;
  /** Each record as it is kept (duplicates of an already recorded result are not reported). */
  onRecord?: (record: MemberRecord, progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
  /** Where the records are kept, for "reusing N runs from …". */
  where?: string;
}

/**
 * Runs a plan's phases in order on `runner`, recording into `records`: members that already have a
 * result with exactly their fingerprint are reused, everything else (failed runs included) runs.
 */
export async function runPlan(plan: Plan, runner: JobRunner, records: RecordSet, options: RunPlanOptions = {}): Promise<void> {
  const log = options.log ?? (() => undefined);
  for (const phase of plan.phases) {
    const { jobs, total, done } = pendingJobs(plan, phase, records);
    if (done > 0) log(`reusing ${done} runs from ${options.where ?? 'earlier results'}`);
    if (jobs.length === 0) continue;
    const todo = total - done;
    log(`${phase.description}: ${todo} runs to do (${done} already done)`);
    let finished = 0;
    const keep = (list: MemberRecord[]) => {
      for (const record of records.add(list)) options.onRecord?.(record, { done: ++finished, total: todo });
    };
    const outcome = await runner.run(jobs, {
      onRecords: (_job, list) => keep(list),
      onJobFailed: (job, reason) => keep(job.members.map((m) => memberRecord(m, { error: reason }))),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (outcome.aborted) throw new InterruptedError(`interrupted; finished runs are kept in ${options.where ?? 'the records'}`);
  }
}
