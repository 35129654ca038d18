import type { Job } from '../job';
import { memberRecord } from '../job';
import type { JobProtocol } from '../run-job';
import { trainUciRuns, type StackMode, type UciRun } from './protocol';

/** How a worker runs a UCI job: its members (splits, grid rates) trained together on the job's one data set. */
export const UCI_JOBS: JobProtocol = {
  experiment: 'uci',
  async run(job, context) {
    const members = (job as Job<UciRun>).members;
    const full = await context.resolveData(job.data[0]!);
    const outcomes = await trainUciRuns(
      members.map((m) => m.run),
      full,
      (job.options['stack'] as StackMode | undefined) ?? 'auto',
    );
    return members.map((m, k) => memberRecord(m, outcomes[k]!, context.worker));
  },
};
