import { sha256Hex } from '@geoparam/core';
import { BullmqRunner, saveQueueSweep, type QueueJobEvent } from '@geoparam/experiments';

/** A text progress bar: `[########------------] 8/20 jobs, 2 running`. */
export function progressBar(done: number, total: number, running: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} jobs${running ? `, ${running} running` : ''}`;
}

/**
 * `reproduce uci|vgg6|resnet|levy|banana --queue URL`: stores the sweep's settings beside its jobs (for
 * `geoparam report --queue`) and returns a runner that submits the jobs and follows them, printing
 * a progress bar.
 */
export async function queueSweepRunner(url: string, experiment: string, settings: unknown, options: { jobTimeoutSeconds?: number }, say: (line: string) => void): Promise<BullmqRunner> {
  let total = 0;
  let done = 0;
  const running = new Set<string>();
  const onEvent = (event: QueueJobEvent) => {
    if (event.type === 'submitted') total++;
    else if (event.type === 'started') running.add(event.job.id);
    else {
      running.delete(event.job.id);
      done++;
      say(`  ${progressBar(done, total, running.size)} ${event.type === 'failed' ? `FAILED ${event.job.label}: ${event.reason}` : `${event.job.label} on ${event.result?.worker ?? 'a worker'}`}`);
    }
  };
  const runner = new BullmqRunner({ url, onEvent, log: say, ...(options.jobTimeoutSeconds ? { jobTimeoutMs: options.jobTimeoutSeconds * 1000 } : {}) });
  await saveQueueSweep(url, { id: sha256Hex(JSON.stringify(settings)).slice(0, 16), experiment, settings, submittedAt: new Date().toISOString() });
  return runner;
}
