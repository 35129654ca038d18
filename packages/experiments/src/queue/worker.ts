import * as os from 'node:os';
import { buildId } from '@geoparam/core';
import { Queue, UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import type { DataSource } from '../data';
import { JobRefusedError } from '../errors';
import { memberRecord, type Job, type MemberRecord } from '../job';
import { ProcessPool, RemoteJobError, JobTimeoutError, WorkersCannotStartError } from '../process-pool';
import { bullConnection, checkQueueServer, parseQueueUrl, redactQueueUrls } from './connection';
import { queueName, type QueuedJob, type QueuedResult } from './runner';
import { QUEUE_PREFIX, QueueStore } from './store';

/**
 * BullMQ timings of every geoparam worker. A worker holds a job's lock for `lockDurationMs` and
 * renews it every `lockRenewMs`; every `stalledIntervalMs` workers look for jobs whose lock lapsed
 * (their worker died) and put them back to wait, once (`maxStalledCount`): a job whose worker dies
 * twice fails. So a dead worker's job runs again on another within about 30–60 s. Training runs in
 * child processes, so the renewal (in the parent's event loop) is never held up by a busy job.
 */
export const QUEUE_TIMINGS = { lockDurationMs: 30_000, lockRenewMs: 15_000, stalledIntervalMs: 30_000, maxStalledCount: 1 } as const;

/** Options of `runQueueWorker`. */
export interface QueueWorkerOptions {
  /** `redis[s]://[user:password@]HOST:PORT[/db]`. */
  url: string;
  /** The backend this worker computes on; it takes only jobs planned for it. */
  backend: string;
  /** Jobs run at once, each in its own worker process (one tfjs engine each). */
  concurrency: number;
  /** The compiled worker module (as for `LocalPoolRunner`): it registers the backends and calls `serveLocalWorker()`. */
  script: string;
  /** Where this machine keeps the data sets jobs name (its `--data-dir`); a different sha256 is refused. */
  source: DataSource;
  /** Exit once no job is waiting, delayed or running anywhere (a dead peer's job is waited for and re-run). */
  untilDrained?: boolean;
  /** Time limit of a job that names none (ms); default none. */
  jobTimeoutMs?: number;
  /** What the worker does (jobs taken, refused, finished), with passwords masked. */
  log?: (line: string) => void;
  /** Stops the worker: jobs it holds are left to stall and run again elsewhere. */
  signal?: AbortSignal;
}

/** What a worker did before it stopped. */
export interface QueueWorkerSummary {
  completed: number;
  failed: number;
}

/**
 * A queue worker: takes jobs for its backend from the queue at `url` and runs up to `concurrency`
 * of them at once on worker processes, recording each member's result once in the store. Refuses
 * jobs of another geoparam build and data whose sha256 differs (the job fails with the reason).
 */
export async function runQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerSummary> {
  const log = options.log ?? (() => undefined);
  const connection = parseQueueUrl(options.url);
  await checkQueueServer(connection);
  const me = `${os.hostname()}:${process.pid}`;
  const build = buildId();
  const pool = new ProcessPool<Job, MemberRecord[]>({ size: options.concurrency, script: options.script, init: { backend: options.backend, source: options.source } });
  const redis = new Redis(bullConnection(connection));
  redis.on('error', (error: Error) => log(`queue: ${redactQueueUrls(error.message)}`));
  const store = new QueueStore(redis);
  try {
    await pool.start();
    // Listed for `sweep status` from the start: an idle worker for another backend than the sweep's shows up as such.
    await store.addQueue(queueName(options.backend));
  } catch (error) {
    await pool.close();
    redis.disconnect();
    throw error;
  }
  const summary: QueueWorkerSummary = { completed: 0, failed: 0 };
  let running = 0;

  const process_ = async (bull: BullJob<QueuedJob, QueuedResult>): Promise<QueuedResult> => {
    const startedAt = Date.now();
    const { job, timeoutMs } = bull.data;
    if (job.buildId !== build) {
      const refusal = new JobRefusedError(`job ${job.label} was planned by geoparam build ${job.buildId}; worker ${me} is build ${build}: run workers of the same build as the submitting command`);
      log(`refused: ${refusal.message}`);
      throw new UnrecoverableError(refusal.message);
    }
    // Re-delivered after its results were recorded (its worker stalled after finishing): nothing to run.
    if ((await store.results(job.members.map((m) => m.key))).every((r) => r !== null)) {
      return { worker: me, startedAt, finishedAt: Date.now(), recorded: 0, duplicates: 0, skipped: true };
    }
    running++;
    try {
      log(`started ${job.label} (attempt ${bull.attemptsMade + 1})`);
      const limit = timeoutMs ?? options.jobTimeoutMs;
      const records = await pool.run(job, limit ? { timeoutMs: limit } : {});
      const finishedAt = Date.now();
      const { recorded, duplicates } = await store.record(records);
      log(`finished ${job.label}: ${recorded} recorded${duplicates ? `, ${duplicates} duplicate result${duplicates === 1 ? '' : 's'} discarded` : ''} (${((finishedAt - startedAt) / 1000).toFixed(1)} s)`);
      return { worker: me, startedAt, finishedAt, recorded, duplicates, skipped: false };
    } catch (error) {
      // The job itself failed (data refused, bad settings) or ran out of time: running it again would do the same.
      if (error instanceof RemoteJobError || error instanceof JobTimeoutError) {
        log(`failed ${job.label}: ${error.message}`);
        throw new UnrecoverableError(error.message);
      }
      if (error instanceof WorkersCannotStartError) {
        log(`stopping: ${error.message}`);
        stop();
      }
      throw error;
    } finally {
      running--;
    }
  };

  const worker = new Worker<QueuedJob, QueuedResult>(queueName(options.backend), process_, {
    connection: bullConnection(connection),
    prefix: QUEUE_PREFIX,
    concurrency: options.concurrency,
    name: me,
    lockDuration: QUEUE_TIMINGS.lockDurationMs,
    lockRenewTime: QUEUE_TIMINGS.lockRenewMs,
    stalledInterval: QUEUE_TIMINGS.stalledIntervalMs,
    maxStalledCount: QUEUE_TIMINGS.maxStalledCount,
    removeOnComplete: { count: 100_000 },
    removeOnFail: { count: 100_000 },
  });
  worker.on('error', (error: Error) => log(`worker: ${redactQueueUrls(error.message)}`));
  worker.on('completed', () => summary.completed++);
  worker.on('failed', (bull, error) => {
    if (!bull) return;
    const final = error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || bull.attemptsMade >= (bull.opts.attempts ?? 1);
    if (!final) return;
    summary.failed++;
    // Failures are kept for `geoparam report --queue`; a later result replaces them.
    void store.record(bull.data.job.members.map((m) => memberRecord(m, { error: error.message }, me))).catch(() => undefined);
  });

  let stopped: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (stopped = resolve));
  const stop = () => stopped();
  options.signal?.addEventListener('abort', stop);
  let drainCheck: NodeJS.Timeout | undefined;
  const queue = new Queue(queueName(options.backend), { connection: bullConnection(connection), prefix: QUEUE_PREFIX });
  queue.on('error', (error: Error) => log(`queue: ${redactQueueUrls(error.message)}`));
  if (options.untilDrained) {
    // Active jobs count too: a dead peer's job is waited for until the stall check hands it back.
    drainCheck = setInterval(() => {
      if (running > 0) return;
      void queue
        .getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children')
        .then((counts) => {
          if (running === 0 && Object.values(counts).every((n) => n === 0)) stop();
        })
        .catch(() => undefined);
    }, 1000);
  }
  log(`worker ${me} (build ${build}) takes ${options.backend} jobs from ${connection.redacted}, ${options.concurrency} at a time`);
  try {
    await closed;
  } finally {
    clearInterval(drainCheck);
    options.signal?.removeEventListener('abort', stop);
    // Force: jobs still held are not finished here; their locks lapse and another worker runs them.
    await worker.close(running > 0);
    await Promise.all([pool.close(), queue.close()]);
    redis.disconnect();
  }
  return summary;
}
