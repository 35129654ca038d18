import { ProcessPool, WorkerExitError } from './process-pool';

/** Options of `runPool`. */
export interface PoolOptions<J, R> {
  workers: number;
  /** Compiled worker module; it answers `init` with `ready`, and `job` with `result` or `error`. */
  script: string;
  init: Record<string, unknown>;
  /** A job's identity, to count its attempts. */
  key: (job: J) => string;
  /** Re-runs of a job whose worker died (crash, OOM, kill) before it answered. */
  retries?: number;
  /** A job's answer. */
  onResult: (job: J, result: R) => void;
  /** A job that failed or whose workers kept dying. */
  onFailure: (job: J, reason: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs independent jobs on worker processes (a `ProcessPool`), each with its own tfjs engine. A job
 * whose worker dies is retried on a fresh worker, then reported as failed: nothing is dropped silently.
 */
export async function runPool<J, R>(jobs: J[], options: PoolOptions<J, R>): Promise<{ completed: number; failed: number; aborted: boolean }> {
  const queue = [...jobs];
  const attempts = new Map<string, number>();
  const retries = options.retries ?? 1;
  let completed = 0;
  let failed = 0;
  let aborted = options.signal?.aborted ?? false;
  if (queue.length === 0 || aborted) return { completed, failed, aborted };
  const pool = new ProcessPool<J, R>({ size: Math.min(options.workers, queue.length), script: options.script, init: options.init });
  const onAbort = () => {
    aborted = true;
    void pool.close();
  };
  options.signal?.addEventListener('abort', onAbort);

  const lane = async () => {
    for (let job = queue.shift(); job !== undefined && !aborted; job = aborted ? undefined : queue.shift()) {
      try {
        const result = await pool.run(job);
        completed++;
        options.onResult(job, result);
      } catch (error) {
        // Stopped by the signal: the job is unfinished, not failed.
        if (aborted) return;
        if (error instanceof WorkerExitError) {
          const tries = (attempts.get(options.key(job)) ?? 0) + 1;
          attempts.set(options.key(job), tries);
          if (tries <= retries) {
            queue.unshift(job);
            continue;
          }
          failed++;
          options.onFailure(job, `${error.message} ${tries} times`);
        } else {
          // The job itself failed (bad data, bad settings) or no worker can start: rerunning would fail the same way.
          failed++;
          options.onFailure(job, error instanceof Error ? error.message : String(error));
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.workers, queue.length) }, lane));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
  return { completed, failed, aborted };
}
