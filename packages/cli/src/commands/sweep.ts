import { cancelSweep, cleanSweep, sweepStatus } from '@geoparam/experiments';
import { progressBar } from './queue';

/** `geoparam sweep status`: jobs per state and queue, workers connected, stored records, failed jobs' reasons. */
export async function runSweepStatus(options: { queue: string; json: boolean }, log: (line: string) => void): Promise<void> {
  const status = await sweepStatus(options.queue);
  if (options.json) {
    log(JSON.stringify(status, null, 2));
    return;
  }
  log(`queue ${status.url}: ${status.records.results} results recorded, ${status.records.failures} failed runs, ${status.records.duplicates} duplicate results discarded`);
  if (status.queues.length === 0) log('no sweep was submitted here');
  for (const q of status.queues) {
    const total = q.waiting + q.active + q.delayed + q.completed + q.failed;
    log(`  ${q.name}: ${progressBar(q.completed + q.failed, total, q.active)}; ${q.waiting} waiting, ${q.delayed} delayed, ${q.failed} failed; workers: ${status.workers[q.name]?.join(', ') || 'none'}`);
  }
  for (const f of status.failed) log(`  FAILED ${f.label}: ${f.reason}`);
  for (const s of status.sweeps) log(`  sweep ${s.id} (${s.experiment}, submitted ${s.submittedAt})`);
}

/** `geoparam sweep cancel`: removes the jobs not started yet; running ones finish and are recorded. */
export async function runSweepCancel(options: { queue: string }, log: (line: string) => void): Promise<void> {
  const { removed } = await cancelSweep(options.queue);
  log(`removed ${removed} jobs that had not started; running jobs finish and are recorded`);
}

/** `geoparam sweep clean`: deletes every job, record and stored sweep on the queue. */
export async function runSweepClean(options: { queue: string; force: boolean }, log: (line: string) => void): Promise<void> {
  const { queues } = await cleanSweep(options.queue, { force: options.force });
  log(`deleted the jobs of ${queues} queue${queues === 1 ? '' : 's'}, every stored record and sweep`);
}
