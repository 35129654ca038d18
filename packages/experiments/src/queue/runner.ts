import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Job, MemberRecord } from '../job';
import type { JobRunner, RunHooks, RunOutcome } from '../runner';
import { bullConnection, checkQueueServer, parseQueueUrl, redactQueueUrls } from './connection';
import { QUEUE_PREFIX, QueueStore } from './store';

/** A BullMQ job's data: the plain-JSON job, when it was submitted, and its time limit. */
export interface QueuedJob {
  job: Job;
  /** ms since the epoch, on the submitting machine. */
  submittedAt: number;
  timeoutMs?: number;
}

/** What a queue worker returns for a job (its records are in the store, not here). */
export interface QueuedResult {
  worker: string;
  /** ms since the epoch, on the worker. */
  startedAt: number;
  finishedAt: number;
  recorded: number;
  duplicates: number;
  /** The members had results already (the job ran before and was re-delivered): nothing ran. */
  skipped: boolean;
}

/** What a following submitter sees happen to its jobs. */
export type QueueJobEvent =
  | { type: 'submitted'; job: Job; existing: boolean }
  | { type: 'started'; job: Job }
  | { type: 'completed'; job: Job; result: QueuedResult | null; submittedAt: number | null; recordedAt: number }
  | { type: 'failed'; job: Job; reason: string };

/** Options of `BullmqRunner`. */
export interface BullmqRunnerOptions {
  /** `redis[s]://[user:password@]HOST:PORT[/db]`. */
  url: string;
  /** Attempts per job: a job whose worker dies (process killed, out of memory) runs again once by default. */
  attempts?: number;
  /** Per-job time limit (ms), enforced by the worker, which kills the job's process. */
  jobTimeoutMs?: number;
  /** How often to look at pending jobs besides the queue's events (a Redis restart can drop events). */
  pollMs?: number;
  /** Each job's progress as the runner sees it (queued, started, recorded, failed), e.g. for a progress bar. */
  onEvent?: (event: QueueJobEvent) => void;
  /** Connection trouble while following (messages with the password masked). */
  log?: (line: string) => void;
}

/** The queue of a backend: workers for `wasm` take jobs only from the queue named `wasm`. */
export function queueName(backend: string): string {
  return backend;
}

/**
 * Runs jobs on BullMQ workers on any number of machines (`runQueueWorker`). Submitting is idempotent:
 * a job's BullMQ id is the sha256 of its key, so a job already waiting or running is followed, not
 * added again; a job that completed or failed before is replaced. Results are read back from the
 * store, where workers record each member once under its fingerprint. Aborting `hooks.signal`
 * detaches: the jobs keep running on the workers.
 */
export class BullmqRunner implements JobRunner {
  readonly description: string;
  private readonly connection;

  constructor(private readonly options: BullmqRunnerOptions) {
    this.connection = parseQueueUrl(options.url);
    this.description = `queue ${this.connection.redacted}`;
  }

  async run(jobs: readonly Job[], hooks: RunHooks): Promise<RunOutcome> {
    await checkQueueServer(this.connection);
    const emit = this.options.onEvent ?? (() => undefined);
    const log = this.options.log ?? (() => undefined);
    const connection = bullConnection(this.connection);
    const redis = new Redis(connection);
    redis.on('error', (error: Error) => log(`queue: ${redactQueueUrls(error.message)}`));
    const store = new QueueStore(redis);
    const pending = new Map(jobs.map((job) => [job.id, job]));
    const queues = new Map<string, Queue>();
    const listeners: QueueEvents[] = [];
    const submittedAt = new Map<string, number>();
    let completed = 0;
    let failed = 0;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));

    const settleCompleted = (job: Job, records: MemberRecord[], result: QueuedResult | null) => {
      pending.delete(job.id);
      completed++;
      hooks.onRecords(job, records);
      emit({ type: 'completed', job, result, submittedAt: submittedAt.get(job.id) ?? null, recordedAt: Date.now() });
    };
    const settleFailed = (job: Job, reason: string) => {
      pending.delete(job.id);
      failed++;
      hooks.onJobFailed(job, reason);
      emit({ type: 'failed', job, reason });
    };
    // One look at a job at a time, so an event and a poll never report it twice.
    let serial = Promise.resolve();
    let submitting = true;
    const check = (id: string, result?: QueuedResult) => {
      serial = serial
        .then(async () => {
          const job = pending.get(id);
          if (!job) return;
          // State first: a worker records results before it completes the job, so a job seen completed
          // has its results visible to the read that follows (the other order races with the worker).
          const queued = submitting ? undefined : await queues.get(queueName(job.backend))!.getJob(id);
          const state = queued ? await queued.getState() : 'unknown';
          const records = await store.results(job.members.map((m) => m.key));
          if (records.every((r) => r !== null)) {
            // Seen by a poll before its event: the worker's timings are in the job's return value.
            const returned = result ?? (submitting ? undefined : parseResult((await queues.get(queueName(job.backend))!.getJob(id))?.returnvalue));
            return settleCompleted(job, records as MemberRecord[], returned ?? null);
          }
          // Mid-submission a job replaced by its re-submission is briefly absent: judge states only after.
          if (submitting) return;
          // Read again: the job's data above may predate its failure.
          if (state === 'failed') settleFailed(job, (await queues.get(queueName(job.backend))!.getJob(id))?.failedReason || 'failed without a reason');
          else if (state === 'unknown') settleFailed(job, 'removed from the queue before it finished (geoparam sweep cancel/clean?)');
          else if (state === 'completed') settleFailed(job, 'completed, but its results are missing from the store (geoparam sweep clean?)');
        })
        .catch((error: unknown) => log(`queue: ${redactQueueUrls(error instanceof Error ? error.message : String(error))} (will look again)`))
        .then(() => {
          if (pending.size === 0) finish();
        });
    };

    const onAbort = () => finish();
    hooks.signal?.addEventListener('abort', onAbort);
    let poll: NodeJS.Timeout | undefined;
    try {
      for (const backend of [...new Set(jobs.map((j) => j.backend))]) {
        const name = queueName(backend);
        await store.addQueue(name);
        const queue = new Queue(name, { connection, prefix: QUEUE_PREFIX });
        queue.on('error', (error: Error) => log(`queue: ${redactQueueUrls(error.message)}`));
        queues.set(name, queue);
        // Listening before adding: no completion can slip between the two.
        const events = new QueueEvents(name, { connection, prefix: QUEUE_PREFIX });
        listeners.push(events);
        events.on('error', (error: Error) => log(`queue events: ${redactQueueUrls(error.message)}`));
        await events.waitUntilReady();
        events.on('active', ({ jobId }) => {
          const job = pending.get(jobId);
          if (job) emit({ type: 'started', job });
        });
        events.on('completed', ({ jobId, returnvalue }) => check(jobId, parseResult(returnvalue)));
        events.on('failed', ({ jobId }) => check(jobId));

        const add: { name: string; data: QueuedJob; opts: { jobId: string; attempts: number; removeOnComplete: false; removeOnFail: false } }[] = [];
        for (const job of jobs.filter((j) => j.backend === backend)) {
          if (hooks.signal?.aborted) break;
          // Recorded already (by a sweep this submitter did not follow to the end): nothing to run.
          const recorded = await store.results(job.members.map((m) => m.key));
          if (recorded.every((r) => r !== null)) {
            emit({ type: 'submitted', job, existing: true });
            settleCompleted(job, recorded as MemberRecord[], null);
            continue;
          }
          const existing = await queue.getJob(job.id);
          const state = existing ? await existing.getState() : 'unknown';
          if (state === 'completed' || state === 'failed') await existing!.remove();
          else if (state !== 'unknown') {
            emit({ type: 'submitted', job, existing: true });
            continue;
          }
          const at = Date.now();
          submittedAt.set(job.id, at);
          add.push({
            name: job.experiment,
            data: { job, submittedAt: at, ...(this.options.jobTimeoutMs ? { timeoutMs: this.options.jobTimeoutMs } : {}) },
            opts: { jobId: job.id, attempts: this.options.attempts ?? 2, removeOnComplete: false, removeOnFail: false },
          });
          emit({ type: 'submitted', job, existing: false });
        }
        if (add.length) await queue.addBulk(add);
      }
      submitting = false;
      // Detached mid-submission: jobs not added yet are simply not submitted, not failed.
      if (!hooks.signal?.aborted) {
        [...pending.keys()].forEach((id) => check(id));
        poll = setInterval(() => [...pending.keys()].forEach((id) => check(id)), this.options.pollMs ?? 2000);
        if (pending.size > 0) await finished;
      }
      await serial;
    } finally {
      clearInterval(poll);
      hooks.signal?.removeEventListener('abort', onAbort);
      await Promise.all([...listeners.map((l) => l.close()), ...[...queues.values()].map((q) => q.close())]);
      redis.disconnect();
    }
    return { completed, failed, aborted: pending.size > 0 };
  }
}

function parseResult(value: unknown): QueuedResult | undefined {
  try {
    const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as QueuedResult | null;
    return parsed && typeof parsed.finishedAt === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
