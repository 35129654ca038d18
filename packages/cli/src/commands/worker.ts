import * as path from 'node:path';
import { assertPositiveInteger } from '@geoparam/core';
import { runQueueWorker } from '@geoparam/experiments';
import { localWorkerScript } from './reproduce-uci';

export interface WorkerOptions {
  queue: string;
  concurrency: number;
  backend: string;
  dataDir?: string;
  untilDrained: boolean;
  /** Seconds; a job's own limit (set by its submitter) wins. */
  jobTimeout?: number;
}

/**
 * `geoparam worker`: takes jobs for one backend from the queue and runs `concurrency` of them at once
 * in worker processes, until Ctrl-C/SIGTERM (jobs it holds then run again on another worker after
 * the stall check) or, with --until-drained, until nothing is left to do.
 */
export async function runWorker(options: WorkerOptions, log: (line: string) => void): Promise<void> {
  assertPositiveInteger('concurrency', options.concurrency);
  const stop = new AbortController();
  const onSignal = () => {
    log('stopping: jobs still running here will run again on another worker (after the 30–60 s stall check)');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summary = await runQueueWorker({
      url: options.queue,
      backend: options.backend,
      concurrency: options.concurrency,
      script: localWorkerScript(),
      source: options.dataDir ? { dataDir: path.resolve(options.dataDir) } : {},
      untilDrained: options.untilDrained,
      ...(options.jobTimeout ? { jobTimeoutMs: options.jobTimeout * 1000 } : {}),
      log,
      signal: stop.signal,
    });
    log(`worker stopped: ${summary.completed} jobs completed, ${summary.failed} failed`);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
